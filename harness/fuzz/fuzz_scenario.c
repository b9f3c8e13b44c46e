/*
 * libFuzzer target: the scenario parser with the engine's real step
 * table, as `run-scenario --check` uses it. Any input must end in a
 * scenario or a "file:line: message", never a crash or a leak.
 */
#include <stdlib.h>
#include <string.h>
#include "engine/runner.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = malloc(size + 1);
	struct scenario *sc;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	sc = scenario_parse("fuzz.scn", text, &runner_verbs);
	if (!sc && strncmp(err_get(), "fuzz.scn:", 9) != 0)
		__builtin_trap(); /* every error names the place */
	scenario_free(sc);
	free(text);
	return 0;
}
