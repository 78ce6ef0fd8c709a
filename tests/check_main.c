/* SPDX-License-Identifier: MIT */
/* check_main.c: runs every Check suite of libbindmodel. */
#include <stdlib.h>

#include "check_util.h"

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	srunner_add_suite(sr, host_suite());
	srunner_add_suite(sr, ops_suite());
	srunner_add_suite(sr, linux_suite());
	srunner_add_suite(sr, scenario_suite());
	srunner_add_suite(sr, personality_suite());
	srunner_add_suite(sr, cov_core_suite());
	srunner_add_suite(sr, cov_badinput_suite());
	srunner_add_suite(sr, cov_bsd_suite());
	srunner_add_suite(sr, cov_solaris_suite());
	srunner_add_suite(sr, cov_windows_suite());
	srunner_add_suite(sr, contract_suite());
	srunner_add_suite(sr, net_suite());
	srunner_add_suite(sr, allocfail_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
