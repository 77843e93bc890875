package checkcache

import (
	"os"
	"testing"
)

// Parts are length-prefixed: moving a byte from one part to the next is
// another key.
func TestKeyParts(t *testing.T) {
	k1, ok := NewKey()
	if !ok {
		t.Skip("no binary identity")
	}
	k2, _ := NewKey()
	k1.Add("ab", "c")
	k2.Add("a", "bc")
	if k1.String() == k2.String() {
		t.Fatal("parts ab|c and a|bc give one key")
	}
}

func TestStoreLoad(t *testing.T) {
	t.Setenv("MLJOB_CACHE_DIR", t.TempDir())
	if _, ok := Load("k"); ok {
		t.Fatal("an entry in an empty cache")
	}
	want := &Entry{Files: Digests(map[string][]byte{"a.yaml": []byte("x")}), Warnings: "w\n"}
	Store("k", want)
	got, ok := Load("k")
	if !ok || got.Warnings != want.Warnings || got.Files["a.yaml"] != want.Files["a.yaml"] {
		t.Fatalf("Load = %+v, %v; want %+v", got, ok, want)
	}
	// A corrupt entry is no entry.
	os.WriteFile(os.Getenv("MLJOB_CACHE_DIR")+"/k.json", []byte("{"), 0o644)
	if _, ok := Load("k"); ok {
		t.Fatal("a corrupt entry was used")
	}
	t.Setenv("MLJOB_CACHE", "off")
	Store("k2", want)
	if _, ok := Load("k2"); ok {
		t.Fatal("MLJOB_CACHE=off stored an entry")
	}
}
