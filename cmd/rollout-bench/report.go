package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
)

// median of xs, NaN values left out; NaN when none is left.
func median(xs []float64) float64 {
	var s []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// over returns f of every round, for median.
func over[T any](rounds []T, f func(int, T) float64) []float64 {
	out := make([]float64, len(rounds))
	for i, r := range rounds {
		out[i] = f(i, r)
	}
	return out
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return math.NaN()
	}
	return a / b
}

// num writes a rate: whole numbers from 100 up, one decimal below.
func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "-"
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	default:
		return fmt.Sprintf("%.1f", x)
	}
}

func fixed(x float64, decimals int) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.*f", decimals, x)
}

// row is one target's medians.
type row struct {
	t                    target
	demo, large          float64 // req/s
	scale                float64 // LARGE ÷ DEMO, median of the rounds' ratios
	ofHello              float64 // LARGE as % of the hello world of the same round
	ofPgbench            float64 // creates: % of TPC-B; point read: % of select-only (LARGE; DEMO when LARGE is not measured)
	queryDemo, queryLarg float64 // queries per request
	failed               int
	p99Large             float64 // ms
}

func rows(res *results) []row {
	large := len(res.projects) > 1
	var out []row
	for _, t := range targets {
		rounds := res.samples[t.name]
		if len(rounds) == 0 {
			continue // not measured (-only)
		}
		rw := row{t: t, large: math.NaN(), scale: math.NaN(), ofHello: math.NaN(), ofPgbench: math.NaN(),
			queryLarg: math.NaN(), p99Large: math.NaN()}
		rw.demo = median(over(rounds, func(_ int, s []sample) float64 { return s[0].rate() }))
		rw.queryDemo = median(over(rounds, func(_ int, s []sample) float64 { return s[0].perRequest() }))
		for _, s := range rounds {
			for _, p := range s {
				rw.failed += p.failed
			}
		}
		last := func(s []sample) sample { return s[len(s)-1] } // LARGE, or DEMO alone
		if large {
			rw.large = median(over(rounds, func(_ int, s []sample) float64 { return s[1].rate() }))
			rw.queryLarg = median(over(rounds, func(_ int, s []sample) float64 { return s[1].perRequest() }))
			rw.scale = median(over(rounds, func(_ int, s []sample) float64 { return ratio(s[1].rate(), s[0].rate()) }))
			rw.ofHello = median(over(rounds, func(i int, s []sample) float64 { return 100 * ratio(s[1].rate(), at(res.hello, i)) }))
			rw.p99Large = median(over(rounds, func(_ int, s []sample) float64 { return float64(s[1].p99.Microseconds()) / 1000 }))
		}
		switch {
		case t.write:
			rw.ofPgbench = median(over(rounds, func(i int, s []sample) float64 { return 100 * ratio(last(s).rate(), at(res.tpcb, i)) }))
		case t.point:
			rw.ofPgbench = median(over(rounds, func(i int, s []sample) float64 { return 100 * ratio(last(s).rate(), at(res.selectOnly, i)) }))
		}
		out = append(out, rw)
	}
	return out
}

func at(xs []float64, i int) float64 {
	if i < len(xs) {
		return xs[i]
	}
	return math.NaN()
}

// report prints the table, the reference rates and issue 16's targets.
func report(w io.Writer, res *results) error {
	large := len(res.projects) > 1
	rs := rows(res)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, fmt.Sprintf("%-28s", "target")+"\treq/s DEMO\treq/s LARGE\tLARGE÷DEMO\t% of hello\tqueries/req DEMO\tqueries/req LARGE\tp99 ms LARGE\terrors\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%-28s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", r.t.method+" "+r.t.name, num(r.demo), num(r.large), fixed(r.scale, 2),
			fixed(r.ofHello, 3), fixed(r.queryDemo, 1), fixed(r.queryLarg, 1), fixed(r.p99Large, 1), r.failed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	who := "LARGE"
	if !large {
		who = "DEMO"
	}
	var create, point row
	for _, r := range rs {
		if r.t.write {
			create = r
		}
		if r.t.point {
			point = r
		}
	}
	fmt.Fprintln(w)
	if len(res.hello) > 0 {
		fmt.Fprintf(w, "hello world (Fiber, same process, same client): %s req/s\n", num(median(res.hello)))
	}
	if create.t.write {
		fmt.Fprintf(w, "pgbench TPC-B: %s tps; creates on %s: %s %% of it\n", num(median(res.tpcb)), who, fixed(create.ofPgbench, 1))
	}
	if point.t.point {
		fmt.Fprintf(w, "pgbench select-only: %s tps; point read on %s: %s %% of it\n", num(median(res.selectOnly)), who, fixed(point.ofPgbench, 1))
	}

	failed := 0
	for _, r := range rs {
		failed += r.failed
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d requests failed (see the errors column): the rates count only answers with the expected status.\n", failed)
	}
	fmt.Fprintln(w, "\nIssue 16's targets (reported, not enforced):")
	if !large {
		fmt.Fprintln(w, "  not judged: LARGE was not measured (-large=false)")
		return nil
	}
	met, all := 0, 0
	check := func(ok bool, format string, args ...any) {
		all++
		verdict := "FAIL"
		if ok {
			met++
			verdict = "pass"
		}
		fmt.Fprintf(w, "  %s  "+format+"\n", append([]any{verdict}, args...)...)
	}
	for _, r := range rs {
		if r.t.scales {
			check(r.scale >= minScale, "%s: LARGE÷DEMO %s (≥ %.1f)", r.t.name, fixed(r.scale, 2), minScale)
		}
	}
	for _, r := range rs {
		if r.t.helloGoal > 0 {
			check(r.ofHello >= r.t.helloGoal, "%s on LARGE: %s %% of hello world (≥ %.1f %%)", r.t.name, fixed(r.ofHello, 3), r.t.helloGoal)
		}
	}
	if create.t.write {
		check(create.ofPgbench >= createGoal, "creates on LARGE: %s %% of pgbench TPC-B (≥ %.0f %%)", fixed(create.ofPgbench, 1), createGoal)
	}
	if point.t.point {
		check(point.ofPgbench >= pointGoal, "point read on LARGE: %s %% of pgbench select-only (≥ %.0f %%)", fixed(point.ofPgbench, 1), pointGoal)
	}
	fmt.Fprintf(w, "%d of %d targets met.\n", met, all)
	return nil
}
