package config

// Rows are what `awsenv list` shows of each account and profile. A list
// of thousands of them reads these from the index (see package index)
// when the files are as they were indexed, rather than parsing both files
// whole on every run.

// AccountRow is what list shows of an account of the accounts file.
type AccountRow struct {
	Name, AccountID, Region string
	Roles                   []string // the role names, in file order
}

// ProfileRow is what list shows of a profile.
type ProfileRow struct {
	Name   string
	Kind   string // Profile.Kind
	Region string
	Source string // source_profile
}

// AccountRows are the rows of accounts, in their order.
func AccountRows(list []*Account) []AccountRow {
	rows := make([]AccountRow, len(list))
	for i, a := range list {
		rows[i] = AccountRow{Name: a.Name, AccountID: a.AccountID, Region: a.Region}
		if len(a.RoleNames) > 0 {
			rows[i].Roles = a.RoleNames
		}
	}
	return rows
}

// Rows are the accounts as list shows them, in file order. Indexed
// accounts (IndexedAccounts) answer from the index when it holds rows,
// without reading the file; otherwise, and when the file no longer loads
// (nil rows, the error), from a whole parse.
func (a *Accounts) Rows() ([]AccountRow, error) {
	if a.lazy != nil {
		if rows, err := a.lazy.ix.Rows(); err == nil && rows != nil {
			return rows, nil
		}
		a.loadAll()
	}
	if a.err != nil {
		return nil, a.err
	}
	return AccountRows(a.list), nil
}

// ProfileRows are the rows of the profiles of ps, in the order of Names.
func ProfileRows(ps *Profiles) []ProfileRow {
	names := ps.Names()
	rows := make([]ProfileRow, 0, len(names))
	for _, n := range names {
		if p := ps.Get(n); p != nil {
			rows = append(rows, ProfileRow{Name: n, Kind: p.Kind(), Region: p.Region, Source: p.SourceProfile})
		}
	}
	return rows
}

// Rows are the profiles as list shows them, in the order of Names:
// indexed profiles (IndexedProfiles) answer from the index when it holds
// rows, without reading the files.
func (ps *Profiles) Rows() []ProfileRow {
	return answer(ps, func() ([]ProfileRow, bool) { rows, err := ps.lazy.ix.Rows(); return rows, err == nil && rows != nil },
		func() []ProfileRow { return ProfileRows(ps) })
}
