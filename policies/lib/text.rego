package mljob.lib

# join_or joins words for a message: ["a"] is "a", ["a", "b", "c"] is
# "a, b or c".
join_or(words) := words[0] if count(words) == 1

join_or(words) := sprintf("%s or %s", [concat(", ", array.slice(words, 0, n - 1)), words[n - 1]]) if {
	n := count(words)
	n > 1
}

# join_and is join_or with "and".
join_and(words) := words[0] if count(words) == 1

join_and(words) := sprintf("%s and %s", [concat(", ", array.slice(words, 0, n - 1)), words[n - 1]]) if {
	n := count(words)
	n > 1
}

# unset is true when obj has no key, or a null one (YAML "key:" or
# "key: null"), as Kubernetes reads optional fields. It is undefined when
# obj is, so a rule using it stays silent on objects it does not apply to.
unset(obj, key) if object.get(obj, key, null) == null

# is_set is true when obj has key with a value other than null; false (not
# undefined) is a value.
is_set(obj, key) if object.get(obj, key, null) != null
