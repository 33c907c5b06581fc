package resolve

import (
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/cache"
)

// switch --serve on a SAML profile says up front when a person must sign
// in again: when its cached role credentials expire, and then ec2switch.
func TestRenewalSAML(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	r := newResolver(testEnv(t, samlConfig, nil), Options{Now: func() time.Time { return now }, MinTTL: 5 * time.Minute})
	plan := func(name string) *Plan {
		p, err := r.Plan(name, Request{Purpose: Switch})
		must(t, err)
		return p
	}
	if rn := r.Renewal(plan("corp-admin")); !rn.Until.Equal(now) || rn.Then != "ec2switch corp-admin" {
		t.Errorf("nothing cached: %+v", rn)
	}
	p := plan("corp-admin")
	must(t, r.b.Store.Put(p.Last().Key, &cache.Entry{Account: "corp-admin", Kind: "saml", Created: now, Config: p.Last().Fingerprint,
		Credentials: cache.Credentials{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(time.Hour)}}))
	if rn := r.Renewal(plan("corp-admin")); !rn.Until.Equal(now.Add(time.Hour)) || rn.Then != "ec2switch corp-admin" {
		t.Errorf("cached: %+v", rn)
	}
	// A role chained from it renews until the SAML role ends.
	if rn := r.Renewal(plan("corp-chained")); !rn.Until.Equal(now.Add(time.Hour)) || rn.Then != "ec2switch corp-chained" {
		t.Errorf("chained: %+v", rn)
	}
}
