// Package checkcache remembers what `mljob render -o DIR` planned for DIR,
// so that `render -o DIR --check` of a repository nothing has changed in
// answers without rendering again: a pre-commit hook or CI step that
// checks thousands of workloads then costs about a start-up.
//
// An entry is found by a key that digests everything the render's output
// and warnings depend on: the mljob binary, the working directory, the
// command's arguments and options, the name and content of every .cue file
// of the projects, and the environment that reaches the evaluation. The
// entry holds the SHA-256 of each file the render planned for DIR and the
// warnings it printed. A check uses it only when DIR holds exactly those
// files, byte for byte (render.MatchesDigests); anything else, a missing
// entry included, is answered by rendering. So a hit can only say "up to
// date" where rendering would say it too: the key changes with any input,
// and the directory is read every time.
//
// Entries live in the user's cache directory (os.UserCacheDir()/mljob/check,
// or $MLJOB_CACHE_DIR); MLJOB_CACHE=off turns the cache off. Failing to
// read or write one is never an error: the command renders instead.
package checkcache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
)

// Entry is what a render planned for its output directory.
type Entry struct {
	// Files are the planned files: name in DIR -> SHA-256, hex.
	Files map[string]string `json:"files"`
	// Warnings is what the render printed on stderr.
	Warnings string `json:"warnings,omitempty"`
}

// Digests returns the SHA-256 of each file's content, hex.
func Digests(files map[string][]byte) map[string]string {
	out := make(map[string]string, len(files))
	for name, b := range files {
		sum := sha256.Sum256(b)
		out[name] = hex.EncodeToString(sum[:])
	}
	return out
}

// Key digests the parts of a key. Each part is length-prefixed, so no two
// lists of parts give the same key.
type Key struct{ h hash.Hash }

// NewKey starts a key with the binary's identity.
func NewKey() (*Key, bool) {
	id, ok := binaryID()
	if !ok {
		return nil, false
	}
	k := &Key{h: sha256.New()}
	k.Add("mljob check cache v1", id)
	return k, true
}

// Add adds parts to the key.
func (k *Key) Add(parts ...string) {
	for _, p := range parts {
		k.AddBytes([]byte(p))
	}
}

// AddBytes adds one part.
func (k *Key) AddBytes(b []byte) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
	k.h.Write(n[:])
	k.h.Write(b)
}

// String is the key.
func (k *Key) String() string { return hex.EncodeToString(k.h.Sum(nil)) }

// Load returns the entry stored under key.
func Load(key string) (*Entry, bool) {
	dir, ok := cacheDir()
	if !ok {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		return nil, false
	}
	var e Entry
	if json.Unmarshal(b, &e) != nil || e.Files == nil {
		return nil, false
	}
	return &e, true
}

// Store stores e under key, replacing what was there; an entry is written
// whole or not at all.
func Store(key string, e *Entry) {
	dir, ok := cacheDir()
	if !ok {
		return
	}
	b, err := json.Marshal(e)
	if err != nil || os.MkdirAll(dir, 0o755) != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".entry-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), filepath.Join(dir, key+".json")) != nil {
		os.Remove(f.Name())
	}
}

// Enabled reports whether the cache is on (MLJOB_CACHE is not "off").
func Enabled() bool { return os.Getenv("MLJOB_CACHE") != "off" }

func cacheDir() (string, bool) {
	if os.Getenv("MLJOB_CACHE") == "off" {
		return "", false
	}
	if d := os.Getenv("MLJOB_CACHE_DIR"); d != "" {
		return d, true
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(d, "mljob", "check"), true
}

var (
	idOnce sync.Once
	id     string
	idOK   bool
)

// binaryID identifies the running mljob: the module version and checksum
// of an installed release; else the commit it was built from, when the
// build recorded it and the tree was clean (with the build settings);
// else the executable file itself: its path, size and modification time
// (a development build: every build that changes it writes it anew).
func binaryID() (string, bool) {
	idOnce.Do(func() {
		if bi, ok := debug.ReadBuildInfo(); ok {
			settings, _ := json.Marshal(bi.Settings)
			if bi.Main.Version != "" && bi.Main.Version != "(devel)" && bi.Main.Sum != "" {
				id, idOK = bi.GoVersion+" "+bi.Main.Path+"@"+bi.Main.Version+" "+bi.Main.Sum+" "+string(settings), true
				return
			}
			var rev, modified string
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value
				}
			}
			if rev != "" && modified == "false" {
				id, idOK = bi.GoVersion+" "+bi.Main.Path+" "+string(settings), true
				return
			}
		}
		exe, err := os.Executable()
		if err != nil {
			return
		}
		info, err := os.Stat(exe)
		if err != nil {
			return
		}
		id, idOK = fmt.Sprintf("exe %s %d %d", exe, info.Size(), info.ModTime().UnixNano()), true
	})
	return id, idOK
}
