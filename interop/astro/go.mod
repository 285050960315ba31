// This folder holds the Node.js apps of the interop tests, not Go code. Being a
// module of its own keeps the go command (go vet ./..., go test ./...) out of
// their node_modules folders.
module interopastro

go 1.25
