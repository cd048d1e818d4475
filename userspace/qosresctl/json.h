/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON writer: values are written as they come, commas and
 * indentation follow from the nesting. Strings are escaped as RFC 8259
 * asks; bytes that are not UTF-8 become U+FFFD.
 */
#ifndef QOSRESCTL_JSON_H
#define QOSRESCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE	*out;
	bool	pretty;			/* one value a line, indented */
	int	depth;
	bool	has_items[JSON_MAX_DEPTH]; /* a comma goes before the next */
	bool	after_key;
};

void json_init(struct json *j, FILE *out, bool pretty);
void json_open_object(struct json *j);
void json_close_object(struct json *j);
void json_open_array(struct json *j);
void json_close_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_fixed(struct json *j, double v, int decimals);
void json_null(struct json *j);
void json_finish(struct json *j);

/* Shorthands for "key": value. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_fixed(struct json *j, const char *key, double v, int decimals);

#endif /* QOSRESCTL_JSON_H */
