/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text tables: columns as wide as their widest cell, each aligned left
 * ('l') or right ('r') as ALIGN says.
 */
#ifndef QOSRESCTL_TABLE_H
#define QOSRESCTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS	16

struct table {
	int			ncols;
	const char *const	*headers;
	const char		*align;		/* "lrr...", one a column */
	char			**cells;	/* nrows x ncols, owned */
	size_t			nrows, capacity;
};

void table_init(struct table *t, int ncols, const char *const *headers,
		const char *align);
int table_add_row(struct table *t, const char *const *values);
/* MAX_WIDTH > 0: the first column is cut from the left to fit. */
void table_print(const struct table *t, FILE *out, int max_width);
void table_free(struct table *t);

#endif /* QOSRESCTL_TABLE_H */
