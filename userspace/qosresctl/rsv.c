// SPDX-License-Identifier: GPL-2.0
/* qosresctl: every reservation under a root, read once, for list and top. */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int add_reservation(const char *path, void *arg)
{
	struct rsv_list *list = arg;
	struct rsv_info *r;

	if (list->count == list->capacity) {
		size_t cap = list->capacity ? 2 * list->capacity : 16;

		r = realloc(list->items, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		list->items = r;
		list->capacity = cap;
	}
	r = &list->items[list->count];
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	/* One that ended while the walk went on is left out. */
	if (qosres_get(path, &r->params) < 0 || !r->params.budget_us ||
	    qosres_stats(path, &r->stats) < 0)
		return 0;
	list->count++;
	return 0;
}

int rsv_collect(const char *root, struct rsv_list *list)
{
	list->count = 0;
	return qosres_foreach(root, add_reservation, list);
}

void rsv_list_free(struct rsv_list *list)
{
	free(list->items);
	*list = (struct rsv_list){ 0 };
}

/* "agent predictor=max ..." -> "agent". */
void feedback_mode(const char *feedback, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(feedback, " \t\n"), feedback);
	if (!buf[0])
		snprintf(buf, size, "off");
}

const char *mode_name(enum qosres_mode mode)
{
	return mode == QOSRES_SOFT ? "soft" : "hard";
}
