package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// TestTokenNoLooser: a token makes no token looser than itself. One fenced to 10.0.0.0/8 and
// expiring in an hour cannot make one that lives longer or is accepted from further.
func TestTokenNoLooser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		if _, err := e.st.CreateUser(ctx, dcim.User{Name: "nina", Role: dcim.RoleOperator}, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		hour := time.Now().Add(time.Hour)
		_, fenced, err := e.st.IssueToken(ctx, store.TokenSpec{Name: "fenced", User: "nina", Write: true, Expires: &hour, Networks: []string{"10.0.0.0/8"}})
		if err != nil {
			t.Fatal(err)
		}
		post := func(body obj) response {
			return doRequest(t, e.h, http.MethodPost, Prefix+"/tokens", body, reqOpts{remote: "10.1.2.3:5000", token: fenced})
		}
		for _, c := range []struct {
			body  obj
			field string
		}{
			{obj{"name": "forever", "scope": "write"}, "expires"},
			{obj{"name": "long", "scope": "write", "expires": "30d"}, "expires"},
			{obj{"name": "anywhere", "scope": "write", "expires": "30m", "networks": []string{"0.0.0.0/0"}}, "networks[0]"},
			{obj{"name": "wider", "scope": "write", "expires": "30m", "networks": []string{"10.0.0.0/8", "192.0.2.0/24"}}, "networks[1]"},
		} {
			checkProblem(t, c.body["name"].(string), post(c.body), want{status: http.StatusBadRequest, field: c.field})
		}
		for _, c := range []struct {
			body obj
			nets string
		}{
			{obj{"name": "inherits", "scope": "write", "expires": "30m"}, "10.0.0.0/8"},
			{obj{"name": "narrower", "scope": "read", "expires": "30m", "networks": []string{"10.5.0.0/16"}}, "10.5.0.0/16"},
		} {
			r := post(c.body)
			var tok dcim.Token
			if r.code != http.StatusCreated || json.Unmarshal(r.body, &tok) != nil || strings.Join(tok.Networks, ",") != c.nets {
				t.Errorf("%v: %s, want networks %s", c.body, r, c.nets)
			}
		}
	})
}
