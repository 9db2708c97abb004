//! The 32 secret bytes of a key, on a heap page of their own: wiped on drop, locked in RAM
//! where RLIMIT_MEMLOCK permits.

use zeroize::Zeroize;

/// One 4 KiB page (the x86-64 and most arm64 page size), aligned to it, so no other
/// allocation shares it. `mlock` works on whole pages and locks do not stack (mlock(2): one
/// `munlock` undoes any number of `mlock`s), so a key sharing its page with another locked key
/// would be unlocked, and could be swapped out, as soon as that other key is dropped.
#[repr(C, align(4096))]
struct Page {
    bytes: [u8; 32],
}

/// Key bytes on their own page. `lock` is declared first so that, after [`Drop`] has wiped
/// the bytes, the page is unlocked before it is freed.
pub(super) struct LockedBytes {
    lock: Option<region::LockGuard>,
    page: Box<Page>,
}

impl LockedBytes {
    /// A zeroed buffer, locked if the process may lock one more page, for the caller to fill
    /// in place (so the secret never passes through the stack on its way in).
    pub(super) fn zeroed() -> Self {
        let page = Box::new(Page { bytes: [0; 32] });
        let lock = region::lock(page.bytes.as_ptr(), page.bytes.len()).ok();
        Self { lock, page }
    }

    pub(super) fn as_bytes(&self) -> &[u8; 32] {
        &self.page.bytes
    }

    pub(super) fn as_mut(&mut self) -> &mut [u8; 32] {
        &mut self.page.bytes
    }

    pub(super) fn is_locked(&self) -> bool {
        self.lock.is_some()
    }
}

impl Drop for LockedBytes {
    fn drop(&mut self) {
        self.page.bytes.zeroize();
    }
}
