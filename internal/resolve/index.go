package resolve

// Names are AccountNames then ProfileNames, with ProfileNames's error:
// every name a switch takes, which completion offers on every TAB. With
// thousands of them they come from the index (index.Index.Names), kept
// while none of the files they come from changes.
func (e *Env) Names() ([]string, error) {
	cfg, cred := e.ProfileFiles()
	files := [4]string{e.Paths.Accounts, e.Paths.CredDir, cfg, cred}
	return e.index.Names(files, func() ([]string, bool, error) {
		accounts := e.Accounts.Names()
		taken := make(map[string]bool, len(accounts))
		for _, n := range accounts {
			taken[n] = true
		}
		keyOnly, stamped := e.keyOnly(taken)
		names := append(accounts, keyOnly...)
		profiles, err := e.profilesNotIn(taken)
		if err != nil {
			return names, stamped, err
		}
		return append(names, profiles...), stamped, nil
	})
}
