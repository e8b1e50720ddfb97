//go:build !linux

package conf

func totalRAM() int64 { return 0 }
