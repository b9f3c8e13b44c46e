/*
 * table: every step the scenario language has, in the order
 * `--help-steps` lists them. A new step is a struct step_def in a file
 * of this folder and one row here.
 */
#include "steps/steps.h"

const struct step_def *const step_table[] = {
	&step_transfer,
	&step_wait_progress,
	&step_transfer_done,
	&step_ftp,
	&step_expect,
	&step_failover_def,
	&step_failback,
	&step_link,
	&step_daemon,
	&step_syncd,
	&step_netem,
	&step_loss,
	&step_counter,
	&step_inject,
	&step_inject_expect,
	&step_pause,
	&step_log_has,
	&step_note_def,
	&step_replay,
	&step_replay_continue,
	&step_replay_verdict,
	&step_exec,
	&step_spawn,
	&step_show_state,
	&step_sysctl,
};

const size_t step_table_len = ARRAY_SIZE(step_table);
