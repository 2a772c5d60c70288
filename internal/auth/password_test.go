package auth

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// A hash verifies its password and nothing else; two hashes of one password differ (salt); a
// tampered or foreign string is refused; the PHC string carries the parameters it was made with.
func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q", h)
	}
	if err := Verify(h, "correct horse battery staple"); err != nil {
		t.Errorf("the right password: %v", err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple"} {
		if err := Verify(h, wrong); !errors.Is(err, ErrMismatch) {
			t.Errorf("%q: %v", wrong, err)
		}
	}
	h2, _ := Hash("correct horse battery staple")
	if h2 == h {
		t.Error("two hashes of one password are the same: no salt")
	}
	parts := strings.Split(h, "$")
	for _, bad := range []string{"", "plain", "$2a$10$abcdefghijklmnopqrstuv", strings.Replace(h, "argon2id", "argon2i", 1),
		strings.Join(append(parts[:3:3], "m=0,t=3,p=2", parts[4], parts[5]), "$"), strings.Join(append(parts[:5:5], "!!"), "$")} {
		if err := Verify(bad, "correct horse battery staple"); err == nil {
			t.Errorf("%q verified", bad)
		}
	}
	// A string made elsewhere with other parameters verifies by its own parameters.
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("pw-from-elsewhere"), salt, 1, 8*1024, 1, 16)
	other := "$argon2id$v=19$m=8192,t=1,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	if err := Verify(other, "pw-from-elsewhere"); err != nil {
		t.Errorf("foreign parameters: %v", err)
	}
	if err := VerifyNone("anything"); !errors.Is(err, ErrMismatch) {
		t.Error("VerifyNone passed")
	}
}

func TestCheckPassword(t *testing.T) {
	if CheckPassword("short") == nil || CheckPassword("twelve chars") != nil || CheckPassword("ünïcödé-twelve") != nil ||
		CheckPassword(strings.Repeat("x", 1025)) == nil {
		t.Error("password rules")
	}
}
