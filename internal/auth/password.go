// Package auth holds what identifies people: password hashing (argon2id), single sign-on through
// an OpenID Connect provider, token expiry, and the limiter that slows down guessing.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: 64 MiB, three passes, two lanes (RFC 9106, section 4, the second
// recommended option, with the lanes of a 2-core machine), a 16-byte salt and a 32-byte key.
const (
	memoryKiB = 64 * 1024
	passes    = 3
	lanes     = 2
	saltLen   = 16
	keyLen    = 32
)

// MinPassword is the shortest password accepted, in characters.
const MinPassword = 12

// ErrMismatch is a password that does not match its hash.
var ErrMismatch = errors.New("password does not match")

var b64 = base64.RawStdEncoding

// CheckPassword says what is wrong with a new password, or nil.
func CheckPassword(p string) error {
	switch n := utf8.RuneCountInString(p); {
	case n < MinPassword:
		return fmt.Errorf("at least %d characters, got %d", MinPassword, n)
	case n > 1024:
		return errors.New("at most 1,024 characters")
	}
	return nil
}

// Hash hashes a password with argon2id and a random salt, in the PHC string format
// ($argon2id$v=19$m=65536,t=3,p=2$SALT$KEY) that other argon2 libraries read.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, passes, memoryKiB, lanes, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks password against a hash made by Hash (or any PHC argon2id string), in constant
// time over the key.
func Verify(encoded, password string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return fmt.Errorf("argon2 version %q", parts[2])
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return fmt.Errorf("argon2 parameters %q", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("argon2 salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return errors.New("argon2 key")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// dummy is a hash to verify against when there is no user, so that an unknown name takes as long
// to refuse as a wrong password.
var dummy, _ = Hash("no such user, no such password")

// VerifyNone spends the time of one verification and fails: for a user that does not exist.
func VerifyNone(password string) error {
	_ = Verify(dummy, password)
	return ErrMismatch
}
