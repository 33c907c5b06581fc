package index

import (
	"reflect"
	"testing"

	"github.com/awsenv/awsenv/internal/config"
)

// The rows records of an index decode what they encoded, and anything
// else is an error, never a panic or an allocation the bytes do not
// justify.
func FuzzDecodeRows(f *testing.F) {
	a, _ := encodeAccountRows([]config.AccountRow{{Name: "work", AccountID: "123456789012", Region: "eu-west-1", Roles: []string{"admin", "ro"}}, {Name: "x"}})
	p, _ := encodeProfileRows([]config.ProfileRow{{Name: "dev", Kind: "role", Region: "eu-west-2", Source: "base"}})
	f.Add(a)
	f.Add(p)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if rows, err := decodeAccountRows(b); err == nil {
			again, ok := encodeAccountRows(rows)
			if !ok || !reflect.DeepEqual(again, b) {
				t.Fatalf("account rows %+v do not encode back to their bytes", rows)
			}
		}
		if rows, err := decodeProfileRows(b); err == nil {
			again, ok := encodeProfileRows(rows)
			if !ok || !reflect.DeepEqual(again, b) {
				t.Fatalf("profile rows %+v do not encode back to their bytes", rows)
			}
		}
	})
}
