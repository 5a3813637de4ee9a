package iam

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestAgencyLifecycle: credentials obtained through an agency act in the
// delegating account as the agency's policies allow, keep the agency
// binding when they buy more credentials, and stop when the agency goes;
// every reason an agency cannot be assumed is ErrAgency.
func TestAgencyLifecycle(t *testing.T) {
	s, b, now := testService(t)
	ctx := context.Background()
	partner, _, err := s.CreateDomain(ctx, "partner", false)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := s.CreateUser(ctx, partner.ID, "dev", "partner-password", false)
	if err != nil {
		t.Fatal(err)
	}
	caller, err := s.identity(ctx, dev.ID, partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Agency{
		{Name: "self", DomainID: b.Domain.ID, TrustDomainID: b.Domain.ID, Policies: []string{"OCR FullAccess"}},
		{Name: "none", DomainID: b.Domain.ID, TrustDomainID: partner.ID},
		{Name: "bad/name", DomainID: b.Domain.ID, TrustDomainID: partner.ID, Policies: []string{"OCR FullAccess"}},
		{Name: "ghost", DomainID: b.Domain.ID, TrustDomainID: "nope", Policies: []string{"OCR FullAccess"}},
	} {
		if _, err := s.CreateAgency(ctx, bad); !errors.Is(err, ErrAgencyInvalid) {
			t.Fatalf("%s: %v, want ErrAgencyInvalid", bad.Name, err)
		}
	}
	if _, err := s.CreateAgency(ctx, Agency{Name: "x", DomainID: b.Domain.ID, TrustDomainID: partner.ID, Policies: []string{"No Such Policy"}}); !errors.Is(err, ErrUnknownPolicy) {
		t.Fatalf("unknown policy: %v", err)
	}
	a, err := s.CreateAgency(ctx, Agency{Name: "ocr-ops", DomainID: b.Domain.ID, TrustDomainID: partner.ID,
		Policies: []string{"OCR FullAccess"}, ExpiresAt: now.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.AssumeRole(ctx, caller, "", "root", "ocr-ops", 24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.ExpiresAt.Equal(a.ExpiresAt) {
		t.Fatalf("expires %v, want the agency's end %v", c.ExpiresAt, a.ExpiresAt)
	}
	claims, err := s.OpenSecurityToken(c.SecurityToken)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.VerifyTemporary(ctx, claims)
	if err != nil || id.Domain.ID != b.Domain.ID || id.User.ID != dev.ID || id.User.Admin || id.Agency != a.ID {
		t.Fatalf("identity %+v %v", id, err)
	}
	for action, want := range map[string]Decision{"ocr:generalText:create": Allow, "moderation:text:create": DenyService} {
		if d, err := s.Authorize(ctx, id, b.Project.ID, action); err != nil || d != want {
			t.Fatalf("%s: %v %v, want %v", action, d, err, want)
		}
	}
	// Credentials bought with agency credentials stay bound to the agency.
	child, err := s.IssueTemporary(ctx, id, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	cc, _ := s.OpenSecurityToken(child.SecurityToken)
	if cc.Agency != a.ID || cc.TrustDomain != partner.ID || len(cc.Session) != 0 || len(cc.Via) != 1 {
		t.Fatalf("child claims %+v", cc)
	}
	cid, err := s.VerifyTemporary(ctx, cc)
	if err != nil || cid.Agency != a.ID {
		t.Fatalf("child %+v %v", cid, err)
	}
	if d, _ := s.Authorize(ctx, cid, b.Project.ID, "moderation:text:create"); d != DenyService {
		t.Fatalf("child escapes the agency: %v", d)
	}
	// Agency credentials cannot assume another agency.
	if _, err := s.AssumeRole(ctx, id, b.Domain.ID, "", "ocr-ops", time.Hour, nil); !errors.Is(err, ErrAgency) {
		t.Fatalf("chained: %v", err)
	}
	for name, try := range map[string]func() error{
		"unknown agency":  func() error { _, err := s.AssumeRole(ctx, caller, b.Domain.ID, "", "nope", time.Hour, nil); return err },
		"unknown account": func() error { _, err := s.AssumeRole(ctx, caller, "", "nobody", "ocr-ops", time.Hour, nil); return err },
		"id and name disagree": func() error {
			_, err := s.AssumeRole(ctx, caller, partner.ID, "root", "ocr-ops", time.Hour, nil)
			return err
		},
		"not trusted": func() error {
			root, _ := s.IdentityForAK(ctx, b.AK)
			_, err := s.AssumeRole(ctx, root, b.Domain.ID, "", "ocr-ops", time.Hour, nil)
			return err
		},
	} {
		if err := try(); !errors.Is(err, ErrAgency) {
			t.Fatalf("%s: %v, want ErrAgency", name, err)
		}
	}
	// The agency ends: its credentials and new requests are refused.
	*now = now.Add(2 * time.Hour)
	if _, err := s.VerifyTemporary(ctx, cc); !errors.Is(err, ErrTemp) {
		t.Fatalf("after the agency's end: %v", err)
	}
	if _, err := s.AssumeRole(ctx, caller, "", "root", "ocr-ops", time.Hour, nil); !errors.Is(err, ErrAgency) {
		t.Fatalf("ended agency: %v", err)
	}
	// A deleted agency ends the credentials too.
	*now = now.Add(-2 * time.Hour)
	if err := s.DeleteAgency(ctx, b.Domain.ID, "ocr-ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyTemporary(ctx, claims); !errors.Is(err, ErrTemp) {
		t.Fatalf("after deletion: %v", err)
	}
}
