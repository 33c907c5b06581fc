package shellenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExploreUnicode(t *testing.T) {
	var values []string
	for base := 0x80; base < 0x110000; base += 256 {
		var b strings.Builder
		for r := base; r < base+256; r++ {
			if r >= 0xD800 && r < 0xE000 {
				continue
			}
			b.WriteRune(rune(r))
		}
		values = append(values, b.String())
	}
	for _, sh := range []realShell{realShells[0], realShells[2], realShells[5], realShells[6]} {
		for _, loc := range []string{"C.UTF-8", "C"} {
			for start := 0; start < len(values); start += 400 {
				batch := values[start:min(start+400, len(values))]
				dir := t.TempDir()
				var changes []Change
				var script strings.Builder
				script.WriteString(sh.loadScript())
				for i, v := range batch {
					name := fmt.Sprintf("V%d", i)
					changes = append(changes, Set(name, v))
					fmt.Fprintf(&script, "printf %%s \"$%s\" > out/%s\n", name, name)
				}
				writeStmts(t, dir, sh.kind, changes)
				os.Mkdir(filepath.Join(dir, "out"), 0o700)
				sh.run(t, dir, loc, script.String())
				for i, want := range batch {
					got, _ := os.ReadFile(filepath.Join(dir, "out", fmt.Sprintf("V%d", i)))
					if string(got) != want {
						t.Errorf("%s %s: value %d mismatch", sh.name, loc, start+i)
					}
				}
			}
		}
	}
}
