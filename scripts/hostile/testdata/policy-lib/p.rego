package mljob.lib

is_set(_, _) if true
