/*
 * test_cryptopan: the prefix-preserving mapping against the sample of
 * the Crypto-PAn reference distribution (its key; addresses of its
 * sample_trace_raw.dat and their mapping in sample_trace_sanitized.dat),
 * IPv6 against the values other implementations give for the same key,
 * the prefix property on random pairs, and the key's text form.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cryptopan.h"
#include "testlib.h"

static const uint8_t sample_key[CRYPTOPAN_KEY_LEN] = {
	21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
	216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2,
};

static const struct {
	const char *in, *out;
} v4_rows[] = {
	{ "128.11.68.132", "135.242.180.132" },   { "129.118.74.4", "134.136.186.123" },
	{ "130.132.252.244", "133.68.164.234" },  { "141.223.7.43", "141.167.8.160" },
	{ "141.233.145.108", "141.129.237.235" }, { "152.163.225.39", "151.140.114.167" },
	{ "156.29.3.236", "147.225.12.42" },      { "165.247.96.84", "162.9.99.234" },
	{ "166.107.77.190", "160.132.178.185" },  { "192.102.249.13", "252.138.62.131" },
	{ "192.215.32.125", "252.43.47.189" },    { "192.233.80.103", "252.25.108.8" },
	{ "192.41.57.43", "252.222.221.184" },    { "193.150.244.223", "253.169.52.216" },
	{ "195.205.63.100", "255.186.223.5" },    { "198.200.171.101", "249.199.68.213" },
	{ "198.51.77.238", "249.18.186.254" },    { "199.217.79.101", "248.38.184.213" },
	{ "202.49.198.20", "245.206.7.234" },     { "203.12.160.252", "244.248.163.4" },
	{ "204.184.162.189", "243.192.77.90" },   { "207.135.65.238", "241.202.129.222" },
	{ "208.147.89.59", "227.237.98.191" },    { "209.85.249.6", "226.170.70.6" },
	{ "216.32.132.250", "235.192.139.38" },   { "24.0.250.221", "100.15.198.226" },
	{ "38.15.67.68", "64.3.66.187" },         { "4.3.88.225", "124.60.155.63" },
	{ "63.14.55.111", "95.9.215.7" },         { "64.14.118.196", "0.255.183.58" },
	{ "10.185.25.118", "117.161.29.118" },
};

START_TEST(test_v4_sample)
{
	struct cryptopan *c = cryptopan_new(sample_key);
	uint8_t in[4], out[4], want[4];
	char got[INET_ADDRSTRLEN];

	ck_assert_int_eq(inet_pton(AF_INET, v4_rows[_i].in, in), 1);
	ck_assert_int_eq(inet_pton(AF_INET, v4_rows[_i].out, want), 1);
	cryptopan_ipv4(c, in, out);
	inet_ntop(AF_INET, out, got, sizeof(got));
	ck_assert_msg(memcmp(out, want, 4) == 0, "%s -> %s, want %s", v4_rows[_i].in, got, v4_rows[_i].out);
	cryptopan_ipv4(c, in, in);   /* in place */
	ck_assert_msg(memcmp(in, want, 4) == 0, "%s in place", v4_rows[_i].in);
	cryptopan_free(c);
}
END_TEST

static const struct {
	const char *in, *out;
} v6_rows[] = {
	{ "::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed" },
	{ "::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef" },
	{ "::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838" },
	{ "2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e" },
	{ "2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c" },
};

START_TEST(test_v6)
{
	struct cryptopan *c = cryptopan_new(sample_key);
	uint8_t in[16], out[16], want[16];
	char got[INET6_ADDRSTRLEN];

	ck_assert_int_eq(inet_pton(AF_INET6, v6_rows[_i].in, in), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, v6_rows[_i].out, want), 1);
	cryptopan_ipv6(c, in, out);
	inet_ntop(AF_INET6, out, got, sizeof(got));
	ck_assert_msg(memcmp(out, want, 16) == 0, "%s -> %s, want %s", v6_rows[_i].in, got, v6_rows[_i].out);
	cryptopan_free(c);
}
END_TEST

/* The first bit in which a and b (n bytes) differ, n * 8 when none. */
static unsigned common_prefix(const uint8_t *a, const uint8_t *b, unsigned n)
{
	unsigned i, bit;

	for (i = 0; i < n * 8; i++) {
		bit = 0x80u >> (i % 8);
		if ((a[i / 8] & bit) != (b[i / 8] & bit))
			return i;
	}
	return n * 8;
}

/* Pairs sharing k leading bits map to pairs sharing exactly k, for every
 * k, in both families; a second key gives another mapping. */
START_TEST(test_prefix_preserved)
{
	struct cryptopan *c = cryptopan_new(sample_key);
	uint8_t other_key[CRYPTOPAN_KEY_LEN];
	struct cryptopan *d;
	unsigned n = _i ? 16 : 4, k, differ = 0;
	uint32_t seed = 12345;

	memcpy(other_key, sample_key, sizeof(other_key));
	other_key[0] ^= 1;
	d = cryptopan_new(other_key);
	for (k = 0; k <= n * 8; k++) {
		uint8_t a[16], b[16], ma[16], mb[16], da[16];
		unsigned j;

		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			a[j] = b[j] = (uint8_t)(seed >> 16);
		}
		if (k < n * 8)
			b[k / 8] ^= (uint8_t)(0x80u >> (k % 8));   /* differ first at bit k */
		if (n == 4) {
			cryptopan_ipv4(c, a, ma);
			cryptopan_ipv4(c, b, mb);
			cryptopan_ipv4(d, a, da);
		} else {
			cryptopan_ipv6(c, a, ma);
			cryptopan_ipv6(c, b, mb);
			cryptopan_ipv6(d, a, da);
		}
		ck_assert_uint_eq(common_prefix(a, b, n), k);
		ck_assert_msg(common_prefix(ma, mb, n) == k, "%u-byte pair sharing %u bits maps to one sharing %u", n, k,
			      common_prefix(ma, mb, n));
		differ += memcmp(ma, da, n) != 0;
	}
	ck_assert_msg(differ > n * 8 / 2, "another key changed only %u of %u mappings", differ, n * 8 + 1);
	cryptopan_free(c);
	cryptopan_free(d);
}
END_TEST

static const struct {
	const char *text;
	const char *err;   /* NULL: accepted */
} key_rows[] = {
	{ "1522178d" "33a4cf80" "130a5b16" "49907d10" "d8988f83" "79796527" "62574c2d" "2a842202", NULL },
	{ "1522178D" "33A4CF80" "130A5B16" "49907D10" "D8988F83" "79796527" "62574C2D" "2A842202", NULL },
	{ "", "64 hexadecimal digits (32 bytes); this one has 0 characters" },
	{ "1522", "this one has 4 characters" },
	{ "1522178d" "33a4cf80" "130a5b16" "49907d10" "d8988f83" "79796527" "62574c2d" "2a8422020", "has 65 characters" },
	{ "x522178d" "33a4cf80" "130a5b16" "49907d10" "d8988f83" "79796527" "62574c2d" "2a842202", "character 1 is not one" },
	{ "1522178d" "33a4cf80" "130a5b16" "49907d10" "d8988f83" "79796527" "62574c2d" "2a84220g", "character 64 is not one" },
};

START_TEST(test_key_parse)
{
	uint8_t key[CRYPTOPAN_KEY_LEN];

	err_clear();
	if (!key_rows[_i].err) {
		ck_assert_msg(cryptopan_key_parse(key_rows[_i].text, key) == 0, "row %d: %s", _i, err_get());
		ck_assert_msg(memcmp(key, sample_key, sizeof(key)) == 0, "row %d: another key", _i);
		return;
	}
	ck_assert_int_eq(cryptopan_key_parse(key_rows[_i].text, key), -1);
	ck_assert_msg(strstr(err_get(), key_rows[_i].err), "row %d: '%s' lacks '%s'", _i, err_get(), key_rows[_i].err);
}
END_TEST

static Suite *cryptopan_suite(void)
{
	Suite *s = suite_create("cryptopan");
	TCase *t = tcase_create("tables");

	tcase_add_loop_test(t, test_v4_sample, 0, (int)(sizeof(v4_rows) / sizeof(v4_rows[0])));
	tcase_add_loop_test(t, test_v6, 0, (int)(sizeof(v6_rows) / sizeof(v6_rows[0])));
	tcase_add_loop_test(t, test_prefix_preserved, 0, 2);
	tcase_add_loop_test(t, test_key_parse, 0, (int)(sizeof(key_rows) / sizeof(key_rows[0])));
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tl_main(cryptopan_suite());
}
