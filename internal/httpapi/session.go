package httpapi

import (
	"context"
	"crypto/rand"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/oauth2"

	"github.com/plenum-dcim/plenum/internal/auth"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

type loginInput struct {
	Body struct {
		Name     string `json:"name" minLength:"1" maxLength:"100"`
		Password string `json:"password" minLength:"1" maxLength:"1024"`
	}
}

// MeBody is who is signed in.
type MeBody struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	TenantID *int64 `json:"tenant_id"`
	// CSRFToken must come back in the X-CSRF-Token header of every change made with the session
	// cookie; empty for a token.
	CSRFToken string `json:"csrf_token,omitempty"`
}

type sessionOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      MeBody
}

type passwordInput struct {
	Body struct {
		Current string `json:"current_password" minLength:"1" maxLength:"1024"`
		New     string `json:"new_password" minLength:"1" maxLength:"1024"`
	}
}

type logoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

// registerAuth adds sign-in, sign-out, who-am-I, password change and, with a provider, single
// sign-on.
func registerAuth(api huma.API, s *store.Store, g *guard, provider *auth.OIDC) {
	huma.Register(api, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: Prefix + "/auth/login", Tags: []string{"auth"},
		Summary: "Sign in with name and password: sets the session cookie and returns the CSRF token",
		Description: "Repeated failures from one address or for one name are refused for a while (429 with Retry-After). " +
			"Every sign-in starts a new session: a cookie the browser had before is never promoted.",
		MaxBodyBytes: 8 << 10, Security: []map[string][]string{},
	}, func(ctx context.Context, in *loginInput) (*sessionOutput, error) {
		u, err := g.checkLogin(ctx, in.Body.Name, in.Body.Password)
		if err != nil {
			return nil, err
		}
		return g.startSession(ctx, u)
	})
	huma.Register(api, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: Prefix + "/auth/logout", Tags: []string{"auth"},
		Summary: "Sign out: ends the session and clears its cookie", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		Session string `cookie:"plenum_session"`
	}) (*logoutOutput, error) {
		if in.Session != "" {
			if err := s.EndSession(ctx, in.Session); err != nil {
				return nil, problem(err)
			}
			if err := s.Audit(ctx, "logout", dcim.TypeUser, dcim.ActorFrom(ctx).UserID, dcim.ActorFrom(ctx).Name); err != nil {
				return nil, problem(err)
			}
		}
		return &logoutOutput{SetCookie: g.cookie(sessionCookie, "", -1)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "me", Method: http.MethodGet, Path: Prefix + "/auth/me", Tags: []string{"auth"},
		Summary: "Who is signed in, with the session's CSRF token",
	}, func(ctx context.Context, _ *struct{}) (*bodyOutput[MeBody], error) {
		a := dcim.ActorFrom(ctx)
		me := MeBody{Name: a.Name, Role: a.Role}
		if tenant, ok := a.Tenant(); ok {
			me.TenantID = &tenant
		}
		me.CSRFToken, _ = ctx.Value(csrfKey{}).(string) // the guard read it with the session; none for a token
		return &bodyOutput[MeBody]{Body: me}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "change-password", Method: http.MethodPost, Path: Prefix + "/auth/password", Tags: []string{"auth"},
		Summary:      "Change your own password: every session of yours ends, and this one is replaced by a new one",
		MaxBodyBytes: 8 << 10,
	}, func(ctx context.Context, in *passwordInput) (*sessionOutput, error) {
		a := dcim.ActorFrom(ctx)
		if a.UserID == 0 {
			return nil, problem(dcim.Errorf(dcim.EForbidden, "a built-in admin token has no password; use a user's session or token"))
		}
		if wait := g.logins.Wait("user-id:" + a.Name); wait > 0 {
			return nil, tooMany(wait)
		}
		if err := s.ChangePassword(ctx, a.UserID, in.Body.Current, in.Body.New); err != nil {
			if dcim.AsError(err) != nil && len(dcim.AsError(err).Fields) > 0 && dcim.AsError(err).Fields[0].Field == "current_password" {
				g.logins.Fail("user-id:" + a.Name)
			}
			return nil, problem(err)
		}
		u, err := s.UserByID(ctx, a.UserID)
		if err != nil {
			return nil, problem(err)
		}
		return g.startSession(ctx, u)
	})
	if provider != nil {
		registerOIDC(api, s, g, provider)
	}
}

// checkLogin checks a name and password under the guessing limits: a problem error (401, 429)
// when refused.
func (g *guard) checkLogin(ctx context.Context, name, password string) (dcim.User, error) {
	a := dcim.ActorFrom(ctx)
	keys := []string{"ip:" + a.Remote, "user:" + name}
	for _, k := range keys {
		if wait := g.logins.Wait(k); wait > 0 {
			return dcim.User{}, tooMany(wait)
		}
	}
	u, err := g.s.CheckPassword(ctx, name, password)
	if err != nil {
		if dcim.ErrorCode(err) == dcim.EUnauthorized {
			for _, k := range keys {
				g.logins.Fail(k)
			}
		}
		return dcim.User{}, problem(err)
	}
	// The name's count is cleared; the address's is not, so that one's own account does not buy
	// more guesses at others'.
	g.logins.Succeed(keys[1])
	return u, nil
}

// startSession starts a session for u, returning its cookie and CSRF token.
func (g *guard) startSession(ctx context.Context, u dcim.User) (*sessionOutput, error) {
	secret, csrf, err := g.s.CreateSession(ctx, u.ID)
	if err != nil {
		return nil, problem(err)
	}
	return &sessionOutput{SetCookie: g.cookie(sessionCookie, secret, int(store.SessionMaxAge.Seconds())),
		Body: MeBody{Name: "user:" + u.Name, Role: u.Role, TenantID: u.TenantID, CSRFToken: csrf}}, nil
}

// cookie is one of Plenum's cookies: HttpOnly (no script reads it), SameSite=Lax (no cross-site
// subrequest carries it; top-level navigation does, which single sign-on's return needs), Secure
// over TLS. maxAge < 0 deletes it.
func (g *guard) cookie(name, value string, maxAge int) http.Cookie {
	return http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: g.secure, SameSite: http.SameSiteLaxMode}
}

func tooMany(wait time.Duration) error {
	return huma.ErrorWithHeaders(newProblem(http.StatusTooManyRequests, "too many failed attempts; try again in "+retryIn(wait)+" s"),
		http.Header{"Retry-After": {retryIn(wait)}})
}

// oidcPending are the single sign-ons under way: state → nonce and PKCE verifier, for ten minutes.
type oidcPending struct {
	mu sync.Mutex
	m  map[string]oidcStart
}

type oidcStart struct {
	nonce, verifier string
	expires         time.Time
}

func newOIDCPending() *oidcPending { return &oidcPending{m: map[string]oidcStart{}} }

func (p *oidcPending) add(state string, st oidcStart) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	for k, v := range p.m {
		if now.After(v.expires) {
			delete(p.m, k)
		}
	}
	if len(p.m) < 10000 {
		p.m[state] = st
	}
}

// take returns and forgets the sign-on of state: each is used once.
func (p *oidcPending) take(state string) (oidcStart, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.m[state]
	delete(p.m, state)
	return st, ok && time.Now().Before(st.expires)
}

type redirectOutput struct {
	Status    int
	Location  string        `header:"Location"`
	SetCookie []http.Cookie `header:"Set-Cookie"`
}

type callbackInput struct {
	Code  string `query:"code" maxLength:"2048"`
	State string `query:"state" maxLength:"256"`
	Error string `query:"error" maxLength:"256"`
	Bound string `cookie:"plenum_oidc"`
}

func registerOIDC(api huma.API, s *store.Store, g *guard, provider *auth.OIDC) {
	huma.Register(api, huma.Operation{
		OperationID: "oidc-login", Method: http.MethodGet, Path: Prefix + "/auth/oidc/login", Tags: []string{"auth"},
		Summary: "Single sign-on: redirects to the identity provider", Security: []map[string][]string{},
	}, func(ctx context.Context, _ *struct{}) (*redirectOutput, error) {
		state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
		g.pending.add(state, oidcStart{nonce: nonce, verifier: verifier, expires: time.Now().Add(10 * time.Minute)})
		// The state is also bound to this browser, so a sign-on started elsewhere cannot be completed here.
		return &redirectOutput{Status: http.StatusFound, Location: provider.AuthCodeURL(state, nonce, verifier),
			SetCookie: []http.Cookie{g.cookie(oidcCookie, state, 600)}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "oidc-callback", Method: http.MethodGet, Path: Prefix + "/auth/oidc/callback", Tags: []string{"auth"},
		Summary: "Single sign-on: where the identity provider sends the browser back; starts a session", Security: []map[string][]string{},
	}, func(ctx context.Context, in *callbackInput) (*redirectOutput, error) {
		if in.Error != "" {
			return nil, problem(dcim.Errorf(dcim.EUnauthorized, "the identity provider refused: %s", in.Error))
		}
		if in.State == "" || in.Bound == "" || in.State != in.Bound {
			return nil, problem(dcim.Errorf(dcim.EUnauthorized, "sign-on state does not match this browser's; start again"))
		}
		st, ok := g.pending.take(in.State)
		if !ok {
			return nil, problem(dcim.Errorf(dcim.EUnauthorized, "sign-on unknown or expired; start again"))
		}
		id, err := provider.Exchange(ctx, in.Code, st.verifier, st.nonce)
		if err != nil {
			return nil, problem(err)
		}
		u, err := s.SignOnUser(ctx, id.Issuer, id.Subject, id.Name, id.Role, id.Tenant)
		if err != nil {
			return nil, problem(err)
		}
		if err := s.LoggedIn(ctx, &u, "single sign-on"); err != nil {
			return nil, problem(err)
		}
		sess, err := g.startSession(ctx, u)
		if err != nil {
			return nil, err
		}
		return &redirectOutput{Status: http.StatusFound, Location: "/",
			SetCookie: []http.Cookie{sess.SetCookie, g.cookie(oidcCookie, "", -1)}}, nil
	})
}
