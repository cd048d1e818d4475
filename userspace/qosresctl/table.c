// SPDX-License-Identifier: GPL-2.0
#include "table.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define COL_GAP		2
#define MIN_FIRST_COL	12

void table_init(struct table *t, int ncols, const char *const *headers,
		const char *align)
{
	if (ncols > TABLE_MAX_COLS)
		ncols = TABLE_MAX_COLS;
	*t = (struct table){ .ncols = ncols, .headers = headers,
			     .align = align };
}

int table_add_row(struct table *t, const char *const *values)
{
	size_t base = t->nrows * t->ncols;
	char **cells;
	int i;

	if (t->nrows == t->capacity) {
		size_t cap = t->capacity ? 2 * t->capacity : 16;

		cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));
		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->capacity = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + i] = strdup(values[i] ? values[i] : "");
		if (!t->cells[base + i]) {
			while (i--)
				free(t->cells[base + i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

static void column_widths(const struct table *t, int *widths)
{
	for (int c = 0; c < t->ncols; c++) {
		widths[c] = (int)strlen(t->headers[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			int len = (int)strlen(t->cells[r * t->ncols + c]);

			if (len > widths[c])
				widths[c] = len;
		}
	}
}

/* Narrow the first column so the table fits in MAX_WIDTH, if it can. */
static void fit_width(const struct table *t, int *widths, int max_width)
{
	int total = 0;

	for (int c = 0; c < t->ncols; c++)
		total += widths[c] + (c ? COL_GAP : 0);
	if (max_width <= 0 || total <= max_width)
		return;
	widths[0] -= total - max_width;
	if (widths[0] < MIN_FIRST_COL)
		widths[0] = MIN_FIRST_COL;
}

/* A cell; one too wide loses its start to "...". */
static void print_cell(FILE *out, const char *cell, int width, bool right,
		       bool last)
{
	int len = (int)strlen(cell);

	if (len > width && width > 3)
		fprintf(out, "...%s", cell + len - (width - 3));
	else if (right)
		fprintf(out, "%*s", width, cell);
	else if (last)
		fputs(cell, out);
	else
		fprintf(out, "%-*s", width, cell);
}

static void print_row(const struct table *t, FILE *out, const int *widths,
		      const char *const *cells)
{
	for (int c = 0; c < t->ncols; c++) {
		if (c)
			fprintf(out, "%*s", COL_GAP, "");
		print_cell(out, cells[c], widths[c], t->align[c] == 'r',
			   c == t->ncols - 1);
	}
	fputc('\n', out);
}

void table_print(const struct table *t, FILE *out, int max_width)
{
	int widths[TABLE_MAX_COLS];

	column_widths(t, widths);
	fit_width(t, widths, max_width);
	print_row(t, out, widths, t->headers);
	for (size_t r = 0; r < t->nrows; r++)
		print_row(t, out, widths,
			  (const char *const *)&t->cells[r * t->ncols]);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->capacity = 0;
}
