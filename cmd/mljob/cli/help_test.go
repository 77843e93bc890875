package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mljob/mljob/cmd/mljob/cli"
)

// Every command shows examples in its --help, mljob itself too. help and
// completion are cobra's own.
func TestEveryCommandHasExamples(t *testing.T) {
	n := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		n++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no Example", c.CommandPath())
		}
		args := append(strings.Fields(c.CommandPath())[1:], "--help")
		var out, errOut bytes.Buffer
		if code := cli.Run(args, nil, &out, &errOut); code != cli.ExitOK || !strings.Contains(out.String(), "\nExamples:\n") {
			t.Errorf("%s --help: exit %d, want 0 and an Examples section:\n%s%s", c.CommandPath(), code, out.String(), errOut.String())
		}
		for _, sub := range c.Commands() {
			if sub.Name() != "help" && sub.Name() != "completion" {
				walk(sub)
			}
		}
	}
	walk(cli.NewRoot())
	if n < 9 {
		t.Fatalf("walked %d commands; NewRoot registers more", n)
	}
}

// Shell completion comes from cobra's completion command.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var out, errOut bytes.Buffer
		if code := cli.Run([]string{"completion", shell}, nil, &out, &errOut); code != cli.ExitOK {
			t.Errorf("completion %s: exit %d: %s", shell, code, errOut.String())
			continue
		}
		if !strings.Contains(out.String(), "mljob") {
			t.Errorf("completion %s does not complete mljob:\n%.300s", shell, out.String())
		}
	}
	// Completing a subcommand name, as the scripts ask mljob to.
	var out bytes.Buffer
	if code := cli.Run([]string{"__complete", "ren"}, nil, &out, &out); code != cli.ExitOK || !strings.Contains(out.String(), "render\t") {
		t.Errorf("__complete ren: exit %d:\n%s", code, out.String())
	}
}
