package cli

import (
	"testing"
	"time"
)

// Durations for people: up to two days in hours and minutes, beyond in
// days (now on credentials that expired months ago said "2160h00m").
func TestLeft(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{40 * time.Second, "40s"},
		{4 * time.Minute, "4m"},
		{7*time.Hour + 59*time.Minute, "7h59m"},
		{36 * time.Hour, "36h00m"},
		{48 * time.Hour, "48h00m"},
		{48*time.Hour + 31*time.Minute, "2d1h"},
		{3*24*time.Hour + 4*time.Hour + 10*time.Minute, "3d4h"},
		{90 * 24 * time.Hour, "90d"},
	} {
		if got := left(tt.d); got != tt.want {
			t.Errorf("left(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
