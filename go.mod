module github.com/goastro/session

go 1.25
