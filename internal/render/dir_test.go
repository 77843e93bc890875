package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// doc is a rendered ConfigMap named name whose content says version.
func doc(kind, name, version string) Document {
	d := Document{YAML: []byte(fmt.Sprintf("apiVersion: v1\nkind: %s\nmetadata:\n  name: %s\ndata: {version: %q}\n", kind, name, version)), Origin: "test"}
	d.Head.APIVersion, d.Head.Kind, d.Head.Metadata.Name = "v1", kind, name
	return d
}

func docs(version string, names ...string) []Document {
	var out []Document
	for _, n := range names {
		out = append(out, doc("ConfigMap", n, version))
	}
	return out
}

// generated returns the generated files of dir: name -> content.
func generated(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(b), GeneratedHeader) {
			out[e.Name()] = string(b)
		}
	}
	return out
}

func want(ds []Document) map[string]string {
	out := map[string]string{}
	for i := range ds {
		out[ds[i].FileName()] = string(FileContent(&ds[i]))
	}
	return out
}

// userEntries makes a file, a symbolic link and a directory of the
// user's in dir and returns a check that they are still there, the file
// the same file.
func userEntries(t *testing.T, dir string) func() {
	t.Helper()
	must(t, os.MkdirAll(filepath.Join(dir, "notes"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "notes", "a.md"), []byte("a"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("mine"), 0o600))
	must(t, os.Symlink("README.md", filepath.Join(dir, "link.md")))
	before, err := os.Stat(filepath.Join(dir, "README.md"))
	must(t, err)
	return func() {
		t.Helper()
		after, err := os.Stat(filepath.Join(dir, "README.md"))
		if err != nil || !os.SameFile(before, after) || after.Mode().Perm() != 0o600 {
			t.Errorf("README.md is not the same file: %v", err)
		}
		if target, err := os.Readlink(filepath.Join(dir, "link.md")); err != nil || target != "README.md" {
			t.Errorf("link.md: %q %v", target, err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "notes", "a.md")); err != nil || string(b) != "a" {
			t.Errorf("notes/a.md: %q %v", b, err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	if l := leftovers(dir); len(l) > 0 {
		t.Errorf("leftovers: %v", l)
	}
}

// TestWriteDir switches sets, by exchanging directories and one file at a
// time: the user's entries stay, nothing is left behind.
func TestWriteDir(t *testing.T) {
	for _, mode := range []string{"exchange", "files"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "files" {
				exchange = func(a, b string) error { return errNoExchange }
				t.Cleanup(func() { exchange = exchangeDirs })
			}
			dir := filepath.Join(t.TempDir(), "out")
			v1 := docs("1", "a", "b", "c")
			must(t, WriteDir(dir, v1, DirOptions{}))
			check := userEntries(t, dir)
			unchanged, err := os.Stat(filepath.Join(dir, "configmap-a.yaml"))
			must(t, err)
			v2 := append(docs("1", "a"), docs("2", "b", "d")...)
			must(t, WriteDir(dir, v2, DirOptions{}))
			if got := generated(t, dir); !reflect.DeepEqual(got, want(v2)) {
				t.Errorf("generated files: %v", keys(got))
			}
			if now, err := os.Stat(filepath.Join(dir, "configmap-a.yaml")); err != nil || !os.SameFile(unchanged, now) {
				t.Errorf("an unchanged file was rewritten")
			}
			check()
			noLeftovers(t, dir)
			d, err := CheckDir(dir, v2, DirOptions{})
			must(t, err)
			if !d.Clean() {
				t.Errorf("CheckDir after WriteDir: %s", d)
			}
		})
	}
}

// TestWriteDirInRepository: in a repository's root, the .git directory is
// never moved: the files are switched one by one.
func TestWriteDirInRepository(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	must(t, os.MkdirAll(filepath.Join(dir, ".git", "objects"), 0o755))
	gitDir, err := os.Stat(filepath.Join(dir, ".git"))
	must(t, err)
	exchanged := false
	exchange = func(a, b string) error { exchanged = true; return exchangeDirs(a, b) }
	t.Cleanup(func() { exchange = exchangeDirs })
	must(t, WriteDir(dir, docs("1", "a"), DirOptions{}))
	must(t, WriteDir(dir, docs("2", "a", "b"), DirOptions{}))
	if got := generated(t, dir); !reflect.DeepEqual(got, want(docs("2", "a", "b"))) {
		t.Errorf("generated files: %v", keys(got))
	}
	if now, err := os.Stat(filepath.Join(dir, ".git")); err != nil || !os.SameFile(gitDir, now) || exchanged {
		t.Errorf(".git was moved (exchanged %v): %v", exchanged, err)
	}
	noLeftovers(t, dir)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestFailurePartWay: a switch that fails part-way leaves the old set,
// and the user's entries, as they were.
func TestFailurePartWay(t *testing.T) {
	v1, v2 := docs("1", "a", "b", "c", "d"), append(docs("2", "a", "b"), docs("2", "e")...)
	t.Run("exchange fails", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		must(t, WriteDir(dir, v1, DirOptions{}))
		check := userEntries(t, dir)
		exchange = func(a, b string) error { return errors.New("injected") }
		t.Cleanup(func() { exchange = exchangeDirs })
		if err := WriteDir(dir, v2, DirOptions{}); err == nil || !strings.Contains(err.Error(), "injected") {
			t.Fatalf("error = %v", err)
		}
		if got := generated(t, dir); !reflect.DeepEqual(got, want(v1)) {
			t.Errorf("generated files: %v", keys(got))
		}
		check()
		noLeftovers(t, dir)
	})
	for n := 1; n <= 6; n++ {
		t.Run(fmt.Sprintf("rename %d fails", n), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			must(t, WriteDir(dir, v1, DirOptions{}))
			exchange = func(a, b string) error { return errNoExchange }
			calls := 0
			renameFile = func(a, b string) error {
				if calls++; calls == n {
					return errors.New("injected")
				}
				return os.Rename(a, b)
			}
			t.Cleanup(func() { exchange, renameFile = exchangeDirs, os.Rename })
			if err := WriteDir(dir, v2, DirOptions{}); err == nil || !strings.Contains(err.Error(), "injected") {
				t.Fatalf("error = %v", err)
			}
			if got := generated(t, dir); !reflect.DeepEqual(got, want(v1)) {
				t.Errorf("generated files: %v", keys(got))
			}
			noLeftovers(t, dir)
		})
	}
}

// TestRecover: what a killed render left is reported by CheckDir and
// cleaned up by the next render, which puts back what belongs in DIR.
func TestRecover(t *testing.T) {
	v1, v2 := docs("1", "a", "b"), docs("2", "a", "c")
	dir := filepath.Join(t.TempDir(), "out")
	must(t, WriteDir(dir, v1, DirOptions{}))
	check := userEntries(t, dir)

	// A staging directory half written, an old-style temporary file, a
	// switch directory beside DIR holding the user's subdirectory, and a
	// one-file-at-a-time switch stopped after moving a.
	must(t, os.MkdirAll(filepath.Join(dir, stagePrefix+"1"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, stagePrefix+"1", "configmap-a.yaml"), []byte("half"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, ".mljob-123.tmp"), []byte("x"), 0o644))
	sw := filepath.Join(filepath.Dir(dir), ".out"+switchInfix+"2")
	must(t, os.MkdirAll(sw, 0o755))
	must(t, os.Rename(filepath.Join(dir, "notes"), filepath.Join(sw, "notes")))
	stage := filepath.Join(dir, stagePrefix+"3")
	must(t, os.MkdirAll(filepath.Join(stage, backupName), 0o755))
	must(t, os.WriteFile(filepath.Join(stage, journalName), []byte(`{"Place":["configmap-a.yaml","configmap-c.yaml"],"Remove":["configmap-b.yaml"]}`), 0o644))
	must(t, os.Rename(filepath.Join(dir, "configmap-a.yaml"), filepath.Join(stage, backupName, "configmap-a.yaml")))
	must(t, os.WriteFile(filepath.Join(dir, "configmap-a.yaml"), FileContent(&v2[0]), 0o644))
	must(t, os.WriteFile(filepath.Join(stage, "configmap-c.yaml"), FileContent(&v2[1]), 0o644))

	d, err := CheckDir(dir, v1, DirOptions{})
	must(t, err)
	if len(d.Leftovers) != 4 || d.Clean() || !strings.Contains(d.String(), "leftover: "+filepath.ToSlash(sw)) {
		t.Errorf("CheckDir:\n%s", d)
	}
	must(t, WriteDir(dir, v1, DirOptions{}))
	if got := generated(t, dir); !reflect.DeepEqual(got, want(v1)) {
		t.Errorf("generated files: %v", keys(got))
	}
	check()
	noLeftovers(t, dir)
}

// TestNames: names that cannot be files are refused before anything is
// written: control characters, and names one file on a case-insensitive
// file system.
func TestNames(t *testing.T) {
	for _, tc := range []struct {
		docs []Document
		want string
	}{
		{[]Document{doc("ConfigMap", "Settings", "1"), doc("ConfigMap", "settings", "1")},
			`ConfigMap "Settings" and ConfigMap "settings" would be written to configmap-Settings.yaml and configmap-settings.yaml, one file on a case-insensitive file system; rename one`},
		{[]Document{doc("ConfigMap", "STRASSE", "1"), doc("ConfigMap", "straße", "1")}, "one file on a case-insensitive file system"},
		{[]Document{doc("ConfigMap", "bad\x00name", "1")}, `ConfigMap name "bad\x00name" cannot be a file name in the output directory`},
		{[]Document{doc("ConfigMap", "new\nline", "1")}, `ConfigMap name "new\nline" cannot be a file name`},
		{[]Document{doc("ConfigMap", "esc\x1b[31m", "1")}, `cannot be a file name`},
		{[]Document{doc("ConfigMap", "bidi\u202e", "1")}, `cannot be a file name`},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		err := WriteDir(dir, append(docs("1", "ok"), tc.docs...), DirOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error = %v, want %q", err, tc.want)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was written", dir)
		}
	}
}
