package web

// SetImportHook has each import call f as it starts, before it reads its upload: a test holds
// imports there to see them running and queued.
func (u *UI) SetImportHook(f func()) {
	u.imports.mu.Lock()
	defer u.imports.mu.Unlock()
	u.imports.hook = f
}

// ImportLimits are how many imports run at once, and how many may be queued or running.
const ImportWorkers, ImportWaiting = importWorkers, importWaiting
