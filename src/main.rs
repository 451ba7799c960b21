#[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    api::tools::cli::main(before_serving)
}

/// Only a server lives long enough for memory it holds but no longer uses
/// to matter. The one-off commands keep mimalloc's default: a bulk load
/// frees and allocates megabytes per statement, and returning each at once
/// had it fault the same pages back in (a seventh of `demo-data`'s profile).
fn before_serving() {
    #[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
    mimalloc_options::return_freed_memory_at_once();
}

#[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
mod mimalloc_options {
    /// mimalloc's `mi_option_purge_delay`: its place in `enum mi_option_e` of
    /// mimalloc.h (v3), which the Rust bindings do not name. The test below
    /// fails if that place ever holds another option.
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

    /// Freed memory goes back to the OS at once instead of after mimalloc's
    /// default delay of a second, counted only while the thread keeps working:
    /// a server that falls quiet after a burst of large answers kept ~100 MiB
    /// it no longer used. Measured on the mixed read set (1M sessions), two
    /// runs each: RssAnon after the load 268/274 -> 180/174 MiB
    /// (MIMALLOC_PURGE_DELAY=0), 172/177 MiB set here; throughput no lower
    /// (2,492 vs 2,537 req/s).
    #[allow(unsafe_code)]
    pub fn return_freed_memory_at_once() {
        // SAFETY: sets a plain integer option; mimalloc allows it at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        #[allow(unsafe_code)]
        fn the_purge_delay_option_is_where_mimalloc_h_puts_it() {
            // Its default in mimalloc v3's options.c is 1000 (ms); its
            // neighbours' are 1 and 0.
            // SAFETY: reads a plain integer option.
            let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
            assert_eq!(delay, 1000);
        }
    }
}
