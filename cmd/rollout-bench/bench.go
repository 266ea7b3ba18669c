package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"

	"rollout/internal/demo"
)

// target is a page or API call the benchmark measures; KEY in path is the
// project's key and NUMBER a requirement's number.
type target struct {
	name   string
	method string
	path   string
	want   int
	// helloGoal is the share of the hello world's rate (in %) LARGE must
	// reach by issue 16; 0: none.
	helloGoal float64
	// scales: LARGE ÷ DEMO must be at least minScale (the aggregating pages
	// and their API twins).
	scales bool
	write  bool // measured in the write phase, against pgbench TPC-B
	point  bool // a point read, against pgbench select-only
}

// minScale is issue 16's floor for LARGE ÷ DEMO throughput.
const minScale = 0.8

// Issue 16's floors for creates (% of TPC-B) and a point read (% of select-only).
const (
	createGoal = 25.0
	pointGoal  = 5.0
)

var targets = []target{
	{name: "dashboard page", method: "GET", path: "/projects/KEY/dashboard", want: http.StatusOK, helloGoal: 0.5, scales: true},
	{name: "dashboard API", method: "GET", path: "/api/v1/projects/KEY/dashboard", want: http.StatusOK, scales: true},
	{name: "overview page", method: "GET", path: "/projects/KEY", want: http.StatusOK, helloGoal: 0.5, scales: true},
	{name: "overview API", method: "GET", path: "/api/v1/projects/KEY", want: http.StatusOK, scales: true},
	{name: "health page", method: "GET", path: "/projects/KEY/health", want: http.StatusOK, scales: true},
	{name: "health API", method: "GET", path: "/api/v1/projects/KEY/health", want: http.StatusOK, scales: true},
	{name: "risk register page", method: "GET", path: "/projects/KEY/risks", want: http.StatusOK, helloGoal: 0.3, scales: true},
	{name: "risk register API", method: "GET", path: "/api/v1/projects/KEY/risks", want: http.StatusOK, scales: true},
	{name: "backlog page", method: "GET", path: "/projects/KEY/requirements", want: http.StatusOK, helloGoal: 0.3, scales: true},
	{name: "backlog API", method: "GET", path: "/api/v1/projects/KEY/requirements", want: http.StatusOK, scales: true},
	{name: "point read API", method: "GET", path: "/api/v1/projects/KEY/requirements/NUMBER", want: http.StatusOK, point: true},
	{name: "create requirement API", method: "POST", path: "/api/v1/projects/KEY/requirements", want: http.StatusCreated, write: true},
}

// selectTargets returns the targets whose names match only (all when empty).
func selectTargets(only string) ([]target, error) {
	re, err := regexp.Compile(only)
	if err != nil {
		return nil, fmt.Errorf("-only: %w", err)
	}
	var out []target
	for _, t := range targets {
		if re.MatchString(t.name) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-only %q matches no target", only)
	}
	return out, nil
}

// createBody is the requirement every create sends.
var createBody = []byte(`{"title":"Benchmark requirement","tier":"optional","kind":"feature","approach":"configuration","status":"proposed"}`)

// pointReads is how many requirements the point reads cycle through.
const pointReads = 40

// results are the samples of every round.
type results struct {
	projects   []string
	hello      []float64             // req/s per round
	tpcb       []float64             // tps per round
	selectOnly []float64             // tps per round
	samples    map[string][][]sample // target name → round → project index
	loads      map[string][]load     // target name → project index
}

func bench(ctx context.Context, o options, stdout, stderr io.Writer) error {
	r, err := setUp(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer r.close()
	chosen, err := selectTargets(o.only)
	if err != nil {
		return err
	}
	res := &results{projects: []string{demo.Key}, samples: map[string][][]sample{}, loads: map[string][]load{}}
	if o.large {
		res.projects = append(res.projects, demo.LargeKey)
	}
	for _, t := range chosen {
		for _, key := range res.projects {
			paths := []string{strings.ReplaceAll(t.path, "KEY", key)}
			if t.point {
				ns, err := numbers(r, o, key, pointReads)
				if err != nil {
					return err
				}
				paths = paths[:0]
				for _, n := range ns {
					paths = append(paths, strings.ReplaceAll(strings.ReplaceAll(t.path, "KEY", key), "NUMBER", fmt.Sprint(n)))
				}
			}
			l := load{method: t.method, paths: paths, want: t.want, token: r.token}
			if t.write {
				l.body = createBody
			}
			res.loads[t.name] = append(res.loads[t.name], l)
		}
	}
	rollout, hello := newClient(r.rollout, o), newClient(r.hello, o)
	helloLoad := load{method: "GET", paths: []string{"/"}, want: http.StatusOK}

	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Reads first, all rounds; then writes, all rounds, so that the
	// requirements the creates add do not change what the reads measure.
	for _, write := range []bool{false, true} {
		if !slices.ContainsFunc(chosen, func(t target) bool { return t.write == write }) {
			continue // no pgbench or hello world run for a kind of target not measured
		}
		for round := range o.rounds {
			fmt.Fprintf(stderr, "%s round %d of %d\n", map[bool]string{false: "read", true: "write"}[write], round+1, o.rounds)
			if write {
				tps, err := r.pgbenchRate(ctx, o, false)
				if err != nil {
					return err
				}
				res.tpcb = append(res.tpcb, tps)
				fmt.Fprintf(stderr, "  pgbench TPC-B %.0f tps\n", tps)
			} else {
				s, err := measure(ctx, hello, helloLoad, o, nil)
				if err != nil {
					return fmt.Errorf("hello world: %w", err)
				}
				res.hello = append(res.hello, s.rate())
				tps, err := r.pgbenchRate(ctx, o, true)
				if err != nil {
					return err
				}
				res.selectOnly = append(res.selectOnly, tps)
				fmt.Fprintf(stderr, "  hello world %.0f req/s, pgbench select-only %.0f tps\n", s.rate(), tps)
			}
			for ti, t := range chosen {
				if t.write != write {
					continue
				}
				got := make([]sample, len(res.projects))
				for k := range res.projects {
					// Interleaved: the order of DEMO and LARGE swaps every time.
					p := k
					if (round+ti)%2 == 1 {
						p = len(res.projects) - 1 - k
					}
					s, err := measure(ctx, rollout, res.loads[t.name][p], o, r.queries)
					if err != nil {
						return fmt.Errorf("%s on %s: %w", t.name, res.projects[p], err)
					}
					got[p] = s
					fmt.Fprintf(stderr, "  %-24s %-5s %8.1f req/s %6.1f queries/request p99 %s\n", t.name, res.projects[p],
						s.rate(), s.perRequest(), s.p99.Round(100_000))
				}
				res.samples[t.name] = append(res.samples[t.name], got)
			}
		}
	}
	fmt.Fprintf(stdout, "Rollout benchmark: %d interleaved rounds of %s per target, %d clients, medians; %d CPUs (GOMAXPROCS %d), %s.\n",
		o.rounds, o.duration, o.clients, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(stdout, "Rollout, the hello world, this client and PostgreSQL (throwaway, fsync off) share this machine.\n\n")
	return report(stdout, res)
}

// startCPUProfile profiles this process into file until stop is called.
func startCPUProfile(file string) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
