package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// rowsIndex is an index that holds rows, or fails to read them.
type rowsIndex struct {
	spanIndex
	rows []AccountRow
	err  error
}

func (ix *rowsIndex) Rows() ([]AccountRow, error) { return ix.rows, ix.err }

type profileRowsIndex struct {
	layoutIndex
	rows []ProfileRow
}

func (ix profileRowsIndex) Rows() ([]ProfileRow, error) { return ix.rows, nil }

func TestRows(t *testing.T) {
	path := writeAccountsFile(t, `{"work": {"arn": "arn:aws:iam::123456789012:", "region": "eu-west-1", "roles": {"admin": "arn:aws:iam::123456789012:role/admin", "ro": "arn:aws:iam::123456789012:role/ro"}},
		"plain": "arn:aws:iam::210987654321:"}`)
	full, err := LoadAccounts(path, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []AccountRow{{Name: "work", AccountID: "123456789012", Region: "eu-west-1", Roles: []string{"admin", "ro"}},
		{Name: "plain", AccountID: "210987654321"}}
	if got, err := full.Rows(); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Rows of a whole parse: %+v, %v\nwant %+v", got, err, want)
	}

	// An index that holds rows answers without the file.
	gone := filepath.Join(t.TempDir(), "gone.json")
	indexed := []AccountRow{{Name: "from-index", AccountID: "111111111111"}}
	if got, err := IndexedAccounts(gone, &rowsIndex{rows: indexed}).Rows(); err != nil || !reflect.DeepEqual(got, indexed) {
		t.Errorf("Rows through an index with rows: %+v, %v", got, err)
	}
	// One that holds none, or cannot be read, gives a whole parse's.
	for _, ix := range []*rowsIndex{{}, {rows: indexed, err: errors.New("unreadable")}} {
		if got, err := IndexedAccounts(path, ix).Rows(); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Rows through an index without rows: %+v, %v", got, err)
		}
	}
	// And a file that no longer loads is the error list reports.
	if _, err := IndexedAccounts(gone, &rowsIndex{}).Rows(); err == nil {
		t.Error("Rows of a missing file through an index without rows: no error")
	}

	cfg, cred := writeProfileFiles(t, []byte("[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\nregion = eu-west-2\n"),
		[]byte("[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"))
	ps, err := LoadProfiles(cfg, cred)
	if err != nil {
		t.Fatal(err)
	}
	wantP := []ProfileRow{{Name: "dev", Kind: "role", Region: "eu-west-2", Source: "base"}, {Name: "base", Kind: "keys"}}
	if got := ps.Rows(); !reflect.DeepEqual(got, wantP) {
		t.Errorf("profile Rows: %+v\nwant %+v", got, wantP)
	}
	fromIndex := []ProfileRow{{Name: "from-index", Kind: "sso"}}
	if got := IndexedProfiles(cfg+".gone", cred, profileRowsIndex{rows: fromIndex}).Rows(); !reflect.DeepEqual(got, fromIndex) {
		t.Errorf("profile Rows through an index with rows: %+v", got)
	}
	if got := IndexedProfiles(cfg, cred, profileRowsIndex{layoutIndex: layoutIndex{&ProfileLayout{}}}).Rows(); !reflect.DeepEqual(got, wantP) {
		t.Errorf("profile Rows through an index without rows: %+v", got)
	}
}
