package credserver

import (
	"os"
	"strconv"
	"strings"
)

// procStat reads the state and start time of pid from /proc/PID/stat; ok is
// false where that cannot be read (no /proc, or no such process).
func procStat(pid int) (start string, zombie, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false, false
	}
	// The command name, field 2, is in parentheses and may hold spaces and
	// parentheses itself: the fields after it start after the last ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false, false
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
	if len(fields) < 20 {
		return "", false, false
	}
	return fields[19], fields[0] == "Z" || fields[0] == "X", true
}
