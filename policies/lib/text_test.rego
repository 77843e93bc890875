package mljob.lib_test

import data.mljob.lib

test_join_or if {
	lib.join_or(["a"]) == "a"
	lib.join_or(["a", "b"]) == "a or b"
	lib.join_or(["a", "b", "c"]) == "a, b or c"
	not lib.join_or([])
}

test_join_and if {
	lib.join_and(["a"]) == "a"
	lib.join_and(["a", "b", "c"]) == "a, b and c"
}

test_unset_and_is_set if {
	lib.unset({}, "a")
	lib.unset({"a": null}, "a")
	not lib.unset({"a": 0}, "a")
	not lib.unset({"a": false}, "a")
	lib.is_set({"a": false}, "a")
	not lib.is_set({"a": null}, "a")
}
