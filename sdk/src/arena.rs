//! The allocator plugins get: an arena, because a plugin instance lives for one evaluation.
//!
//! Every evaluation runs in a fresh instance that is thrown away afterwards, so memory never
//! needs to be returned: allocation bumps a pointer, freeing the most recent block gives it back
//! (which covers the common grow-a-`Vec` pattern), anything else is released with the instance.
//! It starts at `__heap_base`, uses the memory the module starts with before growing it, and is
//! a few instructions per call where a general-purpose malloc costs hundreds — fuel a plugin
//! does not spend on bookkeeping. Turn it off with `default-features = false` to keep Rust's
//! default allocator (for example for a plugin that churns through more memory than its limit).

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;

const PAGE: usize = 64 * 1024;

unsafe extern "C" {
    /// Defined by the linker: the first address after the stack and static data.
    static __heap_base: u8;
}

struct Arena;

/// Next free address and end of memory; 0 until the first allocation. Plugins run
/// single-threaded, one call at a time.
static mut NEXT: usize = 0;
static mut END: usize = 0;

impl Arena {
    /// Makes `[.., end)` addressable, growing memory if needed.
    unsafe fn reserve(end: usize) -> bool {
        unsafe {
            if END == 0 {
                NEXT = &raw const __heap_base as usize;
                END = wasm32::memory_size(0) * PAGE;
            }
            if end <= END {
                return true;
            }
            let pages = (end - END).div_ceil(PAGE);
            if wasm32::memory_grow(0, pages) == usize::MAX {
                return false;
            }
            END += pages * PAGE;
            true
        }
    }
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if END == 0 && !Self::reserve(0) {
                return core::ptr::null_mut();
            }
            let start = (NEXT + layout.align() - 1) & !(layout.align() - 1);
            let Some(end) = start.checked_add(layout.size()) else {
                return core::ptr::null_mut();
            };
            if !Self::reserve(end) {
                return core::ptr::null_mut();
            }
            NEXT = end;
            start as *mut u8
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe {
            if ptr as usize + layout.size() == NEXT {
                NEXT = ptr as usize;
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            // The most recent block grows or shrinks in place.
            if ptr as usize + layout.size() == NEXT {
                let end = ptr as usize + new_size;
                if Self::reserve(end) {
                    NEXT = end;
                    return ptr;
                }
                return core::ptr::null_mut();
            }
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            }
            new
        }
    }
}

#[global_allocator]
static ARENA: Arena = Arena;
