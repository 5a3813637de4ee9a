package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	iamsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iammodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/sdktest"
)

// partner is a second account with a user and its AK/SK.
type partner struct {
	domainID, userID, ak, sk string
}

func newPartner(t *testing.T, root *admin.Client, name string) partner {
	t.Helper()
	ctx := context.Background()
	var d struct {
		Domain admin.Domain `json:"domain"`
	}
	if err := root.Do(ctx, "POST", "/v1/admin/domains", nil, map[string]any{"name": name}, &d); err != nil {
		t.Fatal(err)
	}
	var u struct {
		User admin.User `json:"user"`
	}
	if err := root.Do(ctx, "POST", "/v1/admin/domains/"+d.Domain.ID+"/users", nil, map[string]any{"name": "dev", "password": "partner-password"}, &u); err != nil {
		t.Fatal(err)
	}
	var cr struct {
		Credential admin.Credential `json:"credential"`
	}
	if err := root.Do(ctx, "POST", "/v1/admin/users/"+u.User.ID+"/credentials", nil, nil, &cr); err != nil {
		t.Fatal(err)
	}
	return partner{d.Domain.ID, u.User.ID, cr.Credential.AK, cr.Credential.SK}
}

// iamClient is the SDK's IAM client signed with a permanent AK/SK of the
// given account.
func iamClient(t *testing.T, e *env, p partner) *iamsdk.IamClient {
	t.Helper()
	cred, err := global.NewCredentialsBuilder().WithAk(p.ak).WithSk(p.sk).WithDomainId(p.domainID).
		WithIamEndpointOverride(e.srv.URL).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := iamsdk.IamClientBuilder().WithRegion(region.NewRegion(sdktest.Region, e.srv.URL)).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(sdktest.Timeout)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return iamsdk.NewIamClient(hc)
}

// assumeRole is the SDK's CreateTemporaryAccessKeyByAgency as the IAM API
// documents it: methods ["assume_role"], the agency and its account.
func assumeRole(cli *iamsdk.IamClient, domainID, domainName, agency string, seconds int32) (*iammodel.CreateTemporaryAccessKeyByAgencyResponse, error) {
	ar := &iammodel.IdentityAssumerole{AgencyName: agency, DurationSeconds: &seconds}
	if domainID != "" {
		ar.DomainId = &domainID
	}
	if domainName != "" {
		ar.DomainName = &domainName
	}
	return cli.CreateTemporaryAccessKeyByAgency(&iammodel.CreateTemporaryAccessKeyByAgencyRequest{
		Body: &iammodel.CreateTemporaryAccessKeyByAgencyRequestBody{Auth: &iammodel.AgencyAuth{Identity: &iammodel.AgencyAuthIdentity{
			Methods:    []iammodel.AgencyAuthIdentityMethods{iammodel.GetAgencyAuthIdentityMethodsEnum().ASSUME_ROLE},
			AssumeRole: ar,
		}}},
	})
}

// TestAssumeRoleThroughAgency: the root account grants a partner account
// an agency holding "Moderation FullAccess"; the partner's user obtains
// temporary credentials in the root account with the SDK's own IAM client
// (CreateTemporaryAccessKeyByAgency), and the SDK's temporary-credential
// client calls the root project's text moderation with them — and nothing
// the agency does not grant. Every agency that cannot be used answers
// AIP.0018 "Unable to get agency."; credentials of a deleted agency stop
// working (ModelArts.4107).
func TestAssumeRoleThroughAgency(t *testing.T) {
	e := newSTSEnv(t, t.TempDir())
	ctx := context.Background()
	root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	p := newPartner(t, root, "partner")
	stranger := newPartner(t, root, "stranger")
	agencies := "/v1/admin/domains/" + e.s.Root.Domain.ID + "/agencies"
	if err := root.Do(ctx, "POST", agencies, nil, map[string]any{
		"name": "moderation-ops", "trust_domain_name": "partner", "policies": []string{"Moderation FullAccess"},
	}, nil); err != nil {
		t.Fatal(err)
	}
	// An agency that ended: created for one day, a day and an hour ago
	// (directly, as requests signed now would be out of that clock's window).
	e.clk.Add(-25 * time.Hour)
	if _, err := e.s.IAM.CreateAgency(ctx, iam.Agency{Name: "yesterday", DomainID: e.s.Root.Domain.ID, TrustDomainID: p.domainID,
		Policies: []string{"Moderation FullAccess"}, ExpiresAt: e.clk.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(25 * time.Hour)

	cli := iamClient(t, e.env, p)
	resp, err := assumeRole(cli, "", "root", "moderation-ops", 3600)
	if err != nil {
		t.Fatal(err)
	}
	if resp.HttpStatusCode != http.StatusCreated || resp.Credential == nil {
		t.Fatalf("%+v", resp)
	}
	c := resp.Credential
	exp, err := time.Parse("2006-01-02T15:04:05.000000Z", c.ExpiresAt)
	if err != nil || exp.Sub(e.clk.Now()) < 3599*time.Second || exp.Sub(e.clk.Now()) > 3601*time.Second {
		t.Fatalf("expires_at %q (%v), want in 1 h", c.ExpiresAt, err)
	}
	mc := tempModeration(t, e.env, c.Access, c.Secret, c.Securitytoken)
	if r, err := mc.RunTextModeration(textModeration("hello")); err != nil || r.Result == nil {
		t.Fatalf("agency credentials refused: %v", err)
	}
	// The agency grants moderation only: OCR is outside it, answered by
	// the gateway (the credentials hold nothing of the service).
	_, err = tempOCR(t, e.env, c.Access, c.Secret, c.Securitytoken).RecognizeGeneralText(generalText())
	sdktest.WantCode(t, err, 403, "APIG.0302")
	// The pair is the delegating account's: its administrators list it.
	var listed struct {
		Credentials []struct {
			Access string `json:"access"`
			Source string `json:"source"`
		} `json:"credentials"`
	}
	if err := root.Do(ctx, "GET", "/v1/admin/domains/"+e.s.Root.Domain.ID+"/securitytokens", nil, nil, &listed); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toJSON(listed), c.Access) || !strings.Contains(toJSON(listed), `"agency"`) {
		t.Fatalf("agency pair not listed: %s", toJSON(listed))
	}

	for _, tc := range []struct {
		name                 string
		cli                  *iamsdk.IamClient
		domainID, domainName string
		agency               string
	}{
		{"unknown agency", cli, "", "root", "nobody"},
		{"unknown account", cli, "", "no-such-account", "moderation-ops"},
		{"account id and name disagree", cli, p.domainID, "root", "moderation-ops"},
		{"expired agency", cli, e.s.Root.Domain.ID, "", "yesterday"},
		{"agency of the caller's own account", cli, p.domainID, "", "moderation-ops"},
		{"account the agency does not trust", iamClient(t, e.env, stranger), "", "root", "moderation-ops"},
	} {
		_, err := assumeRole(tc.cli, tc.domainID, tc.domainName, tc.agency, 900)
		se := sdktest.WantCode(t, err, 400, "AIP.0018")
		if se.ErrorMessage != "Unable to get agency." {
			t.Fatalf("%s: message %q", tc.name, se.ErrorMessage)
		}
	}
	// The documented validation comes before the agency is looked up.
	_, err = assumeRole(cli, "", "root", "moderation-ops", 899)
	sdktest.WantCode(t, err, 400, "AIP.0010")
	_, err = assumeRole(cli, "", "", "moderation-ops", 900)
	sdktest.WantCode(t, err, 400, "AIP.0006")

	// Deleting the agency ends the credentials obtained through it.
	if err := root.Do(ctx, "DELETE", agencies+"/moderation-ops", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = mc.RunTextModeration(textModeration("hello"))
	sdktest.WantCode(t, err, 400, "ModelArts.4107")
	_, err = assumeRole(cli, "", "root", "moderation-ops", 900)
	sdktest.WantCode(t, err, 400, "AIP.0018")
}
