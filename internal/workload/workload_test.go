package workload

import (
	"encoding/json"
	"strings"
	"testing"
)

// What the importer writes must read back the same.
func TestJSONRoundTrip(t *testing.T) {
	in := `{"type":"training","image":"a:1","env":{"A":"x","B":{"secret":"s","key":"k","optional":true},"C":{"field":"metadata.name"}},"shm":"16Gi","sweep":{"lr":[0.1,"x",true]},"resources":{"cpu":"2","memory":"4Gi"}}`
	w, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := Decode(out)
	if err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	out2, _ := json.Marshal(w2)
	if string(out) != string(out2) {
		t.Errorf("not stable:\n%s\n%s", out, out2)
	}
	for _, want := range []string{`"shm":"16Gi"`, `"A":"x"`, `"lr":[0.1,"x",true]`, `"optional":true`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks %s", out, want)
		}
	}
	off, _ := json.Marshal(Shm{})
	if string(off) != "false" {
		t.Errorf("Shm{} = %s", off)
	}
}
