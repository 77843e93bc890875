package mljob

rules.plaintext_secret._ignored(_) if true
