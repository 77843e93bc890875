package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// How render -o replaces a set of generated files so that a kill at any
// moment leaves the old set or the new one, never a mix.
//
// GitOps tools (Argo CD, Flux, kustomize) read the output directory's files
// at their paths, as plain files: the set cannot live behind a symbolic
// link that changes, and many files cannot be renamed at once. So the
// directory itself is switched:
//
//  1. The new set is written into a staging directory inside DIR
//     (DIR/.mljob-staging-*). A kill here leaves the old set and the
//     staging directory, which the next render removes.
//  2. The user's entries of DIR are carried over: files as hard links
//     (the same files), symbolic links recreated.
//  3. The staging directory is renamed beside DIR (PARENT/.DIR.mljob-switch-*),
//     the user's subdirectories are moved into it, and the two directories
//     are exchanged in one system call (renameat2 RENAME_EXCHANGE on Linux,
//     renamex_np RENAME_SWAP on macOS): DIR now holds the new set.
//  4. The old directory, now beside DIR, is removed.
//
// Between 3 and 4 the switch directory beside DIR holds what is not in
// DIR: the next render moves any subdirectory of the user's back and
// removes it. DIR's inode changes with every render that changes a file
// (git and the GitOps tools do not mind; a shell whose working directory
// is DIR does).
//
// Where directories cannot be exchanged (another system, DIR a mount
// point or a repository's root, a file that cannot be linked), the files
// are renamed into DIR one by one after a journal is written and the
// replaced files are moved into the staging directory; a failure
// part-way, or the next render after a kill, puts the old set back from
// there.

const (
	// stagePrefix names staging directories inside DIR.
	stagePrefix = ".mljob-staging-"
	// switchInfix names switch directories beside DIR: .DIR.mljob-switch-*.
	switchInfix = ".mljob-switch-"
	// journalName and backupName are the fallback's journal and backups,
	// in the staging directory.
	journalName = ".journal"
	backupName  = ".old"
)

// errNoExchange means the directories could not be exchanged; the files
// are switched one by one instead.
var errNoExchange = errors.New("directories cannot be exchanged here")

// exchange swaps two directories atomically, or returns errNoExchange.
// Tests replace it.
var exchange = exchangeDirs

// outputRoot is the directory render writes: dir as an absolute path, a
// symbolic link to a directory followed (the link stays).
func outputRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if info, err := os.Stat(abs); err == nil && !info.IsDir() {
		return "", fmt.Errorf("%s is not a directory", filepath.ToSlash(dir))
	}
	return abs, nil
}

func switchPrefix(root string) string { return "." + filepath.Base(root) + switchInfix }

// switchDir makes the staged set root's.
func switchDir(root, stage string, old, files map[string][]byte) error {
	err := exchangeSwitch(root, stage, old)
	if !errors.Is(err, errNoExchange) {
		if err != nil {
			os.RemoveAll(stage)
		}
		return err
	}
	return replaceFiles(root, stage, old, files)
}

// exchangeSwitch carries the user's entries into the staging directory
// and exchanges it with root. On errNoExchange the staging directory is
// back in root, ready for replaceFiles; on any other error, root is as it
// was.
func exchangeSwitch(root, stage string, old map[string][]byte) error {
	parent := filepath.Dir(root)
	if parent == root {
		return errNoExchange
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	var subdirs, files []string
	for _, e := range entries {
		name := e.Name()
		if name == filepath.Base(stage) || isLeftover(name) {
			continue
		}
		if _, generated := old[name]; generated {
			continue // the new set has it, or drops it
		}
		src, dst := filepath.Join(root, name), filepath.Join(stage, name)
		switch e.Type() & fs.ModeType {
		case fs.ModeDir:
			if name == ".git" {
				// DIR is a repository's root (-o .): its history is not
				// moved about; the files are switched one by one.
				return errNoExchange
			}
			subdirs = append(subdirs, name)
		case fs.ModeSymlink:
			target, err := os.Readlink(src)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, dst); err != nil {
				return errNoExchange
			}
		case 0:
			if err := os.Link(src, dst); err != nil {
				return errNoExchange
			}
			files = append(files, name)
		default:
			return errNoExchange // a socket, a device: it cannot be carried
		}
	}
	if info, err := os.Stat(root); err == nil {
		os.Chmod(stage, info.Mode().Perm())
	}
	sw, err := os.MkdirTemp(parent, switchPrefix(root))
	if err != nil {
		return errNoExchange // the parent is not writable
	}
	if err := os.Remove(sw); err != nil {
		return errNoExchange
	}
	if err := os.Rename(stage, sw); err != nil {
		return errNoExchange // DIR is a mount point
	}
	back := func(moved []string) {
		for _, name := range moved {
			os.Rename(filepath.Join(sw, name), filepath.Join(root, name))
		}
		os.Rename(sw, stage)
	}
	var moved []string
	for _, name := range subdirs {
		if err := os.Rename(filepath.Join(root, name), filepath.Join(sw, name)); err != nil {
			back(moved)
			return fmt.Errorf("move %s: %w", name, err)
		}
		moved = append(moved, name)
	}
	if err := exchange(sw, root); err != nil {
		back(moved)
		return err
	}
	// root is the new set; sw the old directory. A file of the user's
	// replaced (not edited in place) since it was linked is taken over.
	for _, name := range files {
		was, err1 := os.Lstat(filepath.Join(sw, name))
		now, err2 := os.Lstat(filepath.Join(root, name))
		if err1 == nil && err2 == nil && !os.SameFile(was, now) {
			os.Rename(filepath.Join(sw, name), filepath.Join(root, name))
		}
	}
	// Failing to remove the old directory leaves it for the next render.
	os.RemoveAll(sw)
	return nil
}

// journal is what replaceFiles is about to do, so that what it did can be
// undone.
type journal struct {
	// Place are the files renamed from the staging directory into root;
	// Remove the generated files no longer rendered.
	Place, Remove []string
}

// replaceFiles switches the files one by one: the old files that change or
// go are moved into the staging directory first, so that a failure
// part-way can put them back.
func replaceFiles(root, stage string, old, files map[string][]byte) error {
	var j journal
	for _, name := range sortedNames(files) {
		if _, err := os.Lstat(filepath.Join(stage, name)); err == nil && !sameContent(old, files, name) {
			j.Place = append(j.Place, name)
		}
	}
	for _, name := range sortedNames(old) {
		if _, keep := files[name]; !keep {
			j.Remove = append(j.Remove, name)
		}
	}
	// The journal appears whole or not at all: before it does, nothing
	// has moved.
	b, _ := json.Marshal(j)
	tmp := filepath.Join(stage, journalName+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		os.RemoveAll(stage)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(stage, journalName)); err != nil {
		os.RemoveAll(stage)
		return err
	}
	backup := filepath.Join(stage, backupName)
	err := os.Mkdir(backup, 0o755)
	for _, name := range append(append([]string(nil), j.Place...), j.Remove...) {
		if err != nil {
			break
		}
		if _, ok := old[name]; ok {
			err = renameFile(filepath.Join(root, name), filepath.Join(backup, name))
		}
	}
	for _, name := range j.Place {
		if err != nil {
			break
		}
		err = renameFile(filepath.Join(stage, name), filepath.Join(root, name))
	}
	if err != nil {
		if rerr := rollback(root, stage); rerr != nil {
			return fmt.Errorf("%w (and putting the old files back: %v; %s holds them)", err, rerr, stage)
		}
		os.RemoveAll(stage)
		return err
	}
	os.RemoveAll(stage)
	return nil
}

// renameFile is os.Rename; tests replace it to fail part-way.
var renameFile = os.Rename

func sameContent(old, files map[string][]byte, name string) bool {
	cur, ok := old[name]
	return ok && string(cur) == string(files[name])
}

// rollback undoes what replaceFiles did in root, from the staging
// directory's journal and backups.
func rollback(root, stage string) error {
	b, err := os.ReadFile(filepath.Join(stage, journalName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing was moved yet
	}
	if err != nil {
		return err
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("%s: %w", journalName, err)
	}
	backup := filepath.Join(stage, backupName)
	var errs []error
	for _, name := range j.Place {
		_, err := os.Lstat(filepath.Join(stage, name))
		placed := errors.Is(err, fs.ErrNotExist)
		// The backup goes back (over the new file, if placed), or the
		// new file goes.
		if _, err := os.Lstat(filepath.Join(backup, name)); err == nil {
			errs = append(errs, os.Rename(filepath.Join(backup, name), filepath.Join(root, name)))
		} else if placed {
			if err := os.Remove(filepath.Join(root, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	for _, name := range j.Remove {
		if _, err := os.Lstat(filepath.Join(backup, name)); err == nil {
			errs = append(errs, os.Rename(filepath.Join(backup, name), filepath.Join(root, name)))
		}
	}
	return errors.Join(errs...)
}

// isLeftover reports whether an entry of an output directory is something
// a render left: a staging directory, or a temporary file of an earlier
// version of mljob.
func isLeftover(name string) bool {
	return strings.HasPrefix(name, stagePrefix) || strings.HasPrefix(name, ".mljob-") && strings.HasSuffix(name, ".tmp")
}

// leftovers lists what interrupted renders left in and beside root.
func leftovers(root string) []string {
	var out []string
	if entries, err := os.ReadDir(root); err == nil {
		for _, e := range entries {
			if isLeftover(e.Name()) {
				out = append(out, filepath.Join(root, e.Name()))
			}
		}
	}
	parent := filepath.Dir(root)
	if parent == root {
		return out
	}
	if entries, err := os.ReadDir(parent); err == nil {
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), switchPrefix(root)) {
				out = append(out, filepath.Join(parent, e.Name()))
			}
		}
	}
	return out
}

// recoverDir removes what interrupted renders left, first putting back
// what belongs in root: the old files a fallback switch had moved away,
// the user's subdirectories a switch had moved beside root.
func recoverDir(root string) error {
	for _, l := range leftovers(root) {
		info, err := os.Lstat(l)
		if err != nil {
			continue
		}
		if !info.IsDir() {
			if err := os.Remove(l); err != nil {
				return err
			}
			continue
		}
		if filepath.Dir(l) == root {
			if err := rollback(root, l); err != nil {
				return fmt.Errorf("%s: %w", l, err)
			}
		} else {
			entries, err := os.ReadDir(l)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if !e.IsDir() {
					continue
				}
				dst := filepath.Join(root, e.Name())
				if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
					if err := os.Rename(filepath.Join(l, e.Name()), dst); err != nil {
						return err
					}
				}
			}
		}
		if err := os.RemoveAll(l); err != nil {
			return err
		}
	}
	return nil
}
