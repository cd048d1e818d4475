# check-consistent.awk: reads cgroup directories, one per line, the root
# (-v root=) among them, and prints one line for each qosres sum that does
# not add up; exits 1 if any. With ncpus (-v ncpus=) CPUs:
# - each reservation's subtree sum is its own bandwidth plus its children's,
#   and the root's is its children's;
# - a reservation's servers hold its whole budget, none if it is 0;
# - a reservation with no task of its own has none queued or in the
#   background;
# - each CPU's reserved bandwidth is what the servers on it hold, and
#   leaves the fair server its 5% of the limit.
# One process for the whole hierarchy: under bats, each shell command of
# the same check in bash costs a debug trap, and took seconds under TCG.

function load(file, into,    line, kv) {
	split("", into)
	if ((getline line < file) <= 0)
		return 0
	do {
		split(line, kv, " ")
		into[kv[1]] = kv[2]
	} while ((getline line < file) > 0)
	close(file)
	return 1
}

function first_line(file,    line) {
	line = ""
	getline line < file
	close(file)
	return line
}

function bad(msg) {
	print msg
	failed = 1
}

{
	dir = $0
	if (!load(dir "/qosres.stat", st))
		next
	reserved[dir] = st["reserved_bw_ppm"] + 0
	parent = dir
	sub(/\/[^\/]*$/, "", parent)
	if (dir != root)
		children[parent] += st["reserved_bw_ppm"]
	if (dir == root) {
		limit = st["limit_bw_ppm"] + 0
		for (cpu = 0; cpu < ncpus; cpu++)
			cpu_reserved[cpu] = st["cpu" cpu "_reserved_bw_ppm"] + 0
		next
	}
	budget = first_line(dir "/qosres.budget") + 0
	period = first_line(dir "/qosres.period") + 0
	own[dir] = int(budget * 1000000 / period)
	held = 0
	for (cpu = 0; cpu < ncpus; cpu++) {
		v = st["cpu" cpu "_budget_usec"] + 0
		held += v
		servers[cpu] += int(v * 1000000 / period)
	}
	if (held != budget)
		bad(dir ": servers hold " held " of budget " budget)
	if ((budget == 0) != (st["nr_servers"] + 0 == 0))
		bad(dir ": " st["nr_servers"] " servers for budget " budget)
	if (first_line(dir "/cgroup.threads") == "" &&
	    (st["nr_running"] + 0 != 0 || st["nr_background"] + 0 != 0))
		bad(dir " has no task but " st["nr_running"] " queued, " \
		    st["nr_background"] " in the background")
}

END {
	for (dir in reserved)
		if (reserved[dir] != own[dir] + children[dir])
			bad(dir " reserves " reserved[dir] ", its own " own[dir] + 0 \
			    " and its children's " children[dir] + 0)
	for (cpu = 0; cpu < ncpus; cpu++) {
		if (cpu_reserved[cpu] != servers[cpu] + 0)
			bad("cpu" cpu " reserves " cpu_reserved[cpu] ", its servers " \
			    servers[cpu] + 0)
		if (cpu_reserved[cpu] > limit - 50000)
			bad("cpu" cpu " overbooked")
	}
	exit failed
}
