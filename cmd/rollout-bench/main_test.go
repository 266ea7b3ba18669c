package main

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fields returns the cells after the target's name in its table line.
func fields(t *testing.T, out string, tg target) []string {
	t.Helper()
	label := tg.method + " " + tg.name
	for line := range strings.SplitSeq(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), label+" "); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("no line for %s in:\n%s", label, out)
	return nil
}

// TestBenchmarkSmoke runs the whole benchmark on DEMO alone, one short round:
// a check that every target is measured and answered, not a measurement.
func TestBenchmarkSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, builds DEMO and runs pgbench")
	}
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"-large=false", "-rounds", "1", "-duration", "150ms", "-c", "2", "-scale", "1"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, tg := range targets {
		cells := fields(t, out.String(), tg)
		// req/s DEMO, req/s LARGE, LARGE÷DEMO, % of hello, queries DEMO, queries LARGE, p99 LARGE, errors
		if len(cells) != 8 {
			t.Fatalf("%s: cells %q", tg.name, cells)
		}
		if rate, err := strconv.ParseFloat(cells[0], 64); err != nil || rate <= 0 {
			t.Errorf("%s: req/s %q", tg.name, cells[0])
		}
		if q, err := strconv.ParseFloat(cells[4], 64); err != nil || q < 1 || q > 100 {
			t.Errorf("%s: queries per request %q", tg.name, cells[4])
		}
		if cells[1] != "-" || cells[2] != "-" {
			t.Errorf("%s: LARGE was not built, yet %q", tg.name, cells[1:3])
		}
		if cells[7] != "0" {
			t.Errorf("%s: %s failed requests", tg.name, cells[7])
		}
	}
	for _, want := range []string{"hello world (Fiber, same process, same client): ", "pgbench TPC-B: ", "creates on DEMO: ",
		"pgbench select-only: ", "point read on DEMO: ", "not judged: LARGE was not measured"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), " - tps") || strings.Contains(out.String(), ": - %") {
		t.Errorf("a reference rate is missing:\n%s", out.String())
	}
}

// TestReportJudgesIssueTargets feeds made-up rounds to the report and checks
// the medians, ratios and verdicts it prints.
func TestReportJudgesIssueTargets(t *testing.T) {
	res := &results{projects: []string{"DEMO", "LARGE"}, hello: []float64{10000, 20000, 10000},
		tpcb: []float64{1000, 1000, 1000}, selectOnly: []float64{10000, 10000, 10000}, samples: map[string][][]sample{}}
	for _, tg := range targets {
		demo, large := 100.0, 40.0 // pages: LARGE ÷ DEMO 0.4, 0.4 % of the hello world (0.2 % in round 2)
		switch {
		case tg.write:
			demo, large = 300, 300 // 30 % of TPC-B
		case tg.point:
			demo, large = 450, 450 // 4.5 % of select-only
		case tg.name == "backlog page":
			demo, large = 50, 45 // 0.9, 0.45 %
		}
		for range 3 {
			res.samples[tg.name] = append(res.samples[tg.name], []sample{
				{ok: int(demo), secs: 1, queries: int64(demo) * 5}, {ok: int(large), secs: 1, queries: int64(large) * 5, p99: 20 * time.Millisecond}})
		}
	}
	var out strings.Builder
	if err := report(&out, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FAIL  dashboard page: LARGE÷DEMO 0.40 (≥ 0.8)",
		"pass  backlog page: LARGE÷DEMO 0.90 (≥ 0.8)",
		"FAIL  dashboard page on LARGE: 0.400 % of hello world (≥ 0.5 %)",
		"pass  risk register page on LARGE: 0.400 % of hello world (≥ 0.3 %)",
		"pass  backlog page on LARGE: 0.450 % of hello world (≥ 0.3 %)",
		"pass  creates on LARGE: 30.0 % of pgbench TPC-B (≥ 25 %)",
		"FAIL  point read on LARGE: 4.5 % of pgbench select-only (≥ 5 %)",
		"hello world (Fiber, same process, same client): 10000 req/s",
		"pgbench TPC-B: 1000 tps; creates on LARGE: 30.0 % of it",
		"4 of 16 targets met.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	cells := fields(t, out.String(), targets[0])
	if want := []string{"100", "40.0", "0.40", "0.400", "5.0", "5.0", "20.0", "0"}; strings.Join(cells, " ") != strings.Join(want, " ") {
		t.Errorf("dashboard row %q, want %q", cells, want)
	}
}

func TestParseTPS(t *testing.T) {
	for out, want := range map[string]float64{
		"number of failed transactions: 0 (0.000%)\nlatency average = 1.9 ms\ninitial connection time = 3.1 ms\ntps = 4219.123456 (without initial connection time)\n": 4219.123456,
		"tps = 812.5 (including connections establishing)\ntps = 815.25 (excluding connections establishing)\n":                                                        815.25,
	} {
		got, err := parseTPS(out)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("%q: %v %v", out, got, err)
		}
	}
	if _, err := parseTPS("pgbench: error: connection refused"); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("no tps: %v", err)
	}
}

func TestFlagsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-rounds", "0"}, "-rounds 0"},
		{[]string{"-duration", "10ms"}, "-duration 10ms"},
		{[]string{"-c", "0"}, "-c 0"},
		{[]string{"-scale", "1000"}, "-scale 1000"},
	} {
		var out, errOut strings.Builder
		if code := run(context.Background(), c.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: %d %q", c.args, code, errOut.String())
		}
	}
}

// TestOnlyNarrowsTheTargetsAndTheVerdicts: -only picks targets by name, and
// the report judges only what was measured.
func TestOnlyNarrowsTheTargetsAndTheVerdicts(t *testing.T) {
	got, err := selectTargets("backlog")
	if err != nil || len(got) != 2 || got[0].name != "backlog page" || got[1].name != "backlog API" {
		t.Fatalf("backlog: %v %v", got, err)
	}
	if _, err := selectTargets("no such target"); err == nil || !strings.Contains(err.Error(), "matches no target") {
		t.Errorf("no match: %v", err)
	}
	if _, err := selectTargets("(("); err == nil || !strings.Contains(err.Error(), "-only") {
		t.Errorf("bad regexp: %v", err)
	}
	res := &results{projects: []string{"DEMO", "LARGE"}, tpcb: []float64{1000}, samples: map[string][][]sample{
		"create requirement API": {{{ok: 300, secs: 1, queries: 600}, {ok: 300, secs: 1, queries: 600}}}}}
	var out strings.Builder
	if err := report(&out, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pass  creates on LARGE: 30.0 % of pgbench TPC-B (≥ 25 %)", "1 of 1 targets met."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	for _, not := range []string{"dashboard page", "point read", "select-only"} {
		if strings.Contains(out.String(), not) {
			t.Errorf("report names %q, which was not measured:\n%s", not, out.String())
		}
	}
}
