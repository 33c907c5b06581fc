// Package xerr is awsenv's error model: an error carries a kind, which the
// command line maps to an exit code in one place, and a hint that says what
// to do; it still prints as one line.
package xerr

import (
	"errors"
	"strings"
)

// Kind classifies an error for what branches on it: the exit code (Usage)
// and a credential server that must not prompt (NeedsPerson). Every other
// error is Failed, and says what went wrong in its message and hint.
type Kind int

// The kinds.
const (
	// Failed is any error nothing branches on.
	Failed Kind = iota
	// Usage is a mistake in the command line itself (exit status 2). Only
	// flag parsing returns it.
	Usage
	// NeedsPerson: a code or a login is needed and none can be had here.
	NeedsPerson
)

// Error is an error with a kind and a hint.
type Error struct {
	Kind Kind
	Err  error
	Hint string // what to do; "" when Err already says it
}

// New makes an error of kind with a hint.
func New(kind Kind, err error, hint string) *Error { return &Error{Kind: kind, Err: err, Hint: hint} }

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ": " + e.Hint
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf is the kind of the outermost *Error in err's chain, else Failed.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Failed
}

// Root is the innermost error of a wrapped chain: for "open x: rename y:
// permission denied" just "permission denied", for error messages that
// already say which file or host they are about.
func Root(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// DidYouMean is " (did you mean NAME?)" for the candidate closest to s, or
// "" when none is close: one edit for short names, two for longer ones.
func DidYouMean(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := distance(s, c); d < bestDist && d <= max(1, min(2, len(s)/4)) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the edit distance of a and b in bytes, a swap of two
// neighbours counting as one edit (optimal string alignment).
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// OneLine is a message folded onto one line (every run of white space,
// newlines included, one space) without a closing period, for quoting one
// message inside another.
func OneLine(s string) string {
	return strings.TrimSuffix(strings.Join(strings.Fields(s), " "), ".")
}

// Clip makes text from the network or another program fit on one line of
// a message: every control character a space, white space folded, and at
// most max runes ("..." marks a cut).
func Clip(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "..."
	}
	return s
}
