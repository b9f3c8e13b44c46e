/*
 * scenario_int: what the scenario parser's files share (scenario.c: words,
 * statements, blocks; scenario_lab.c: lab options; scenario_vars.c:
 * variables and conditions). Not for other modules: they use scenario.h.
 */
#ifndef FTFW_SCENARIO_INT_H
#define FTFW_SCENARIO_INT_H

#include "scenario.h"

/* Every variable each step names is defined where the step runs: 0, or
 * -1 with err set to "path:line: ...". */
int sc_check_variables(const struct scenario *sc, const struct sc_verbs *verbs);

#endif
