//! One byte stream read once and fed to several consumers (the engine's
//! `docker save` of an image into every node that needs it), through
//! bounded channels: memory stays at a few MB per consumer, and the
//! slowest consumer sets the pace. The engine's ~30 KB frames are gathered
//! into larger chunks, so each consumer's write has less overhead. A
//! consumer that stops reading (its import failed) is dropped; the others
//! go on.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};

/// A stream of chunks, as [`crate::engine::ExecStdin::Stream`] takes it.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// Chunks buffered per consumer...
const CHANNEL_CHUNKS: usize = 16;
/// ...of about this size: 4 MB of slack between the fastest and slowest.
const CHUNK_BYTES: usize = 256 << 10;

/// Split `source` into `consumers` streams. The returned counter holds the
/// bytes read from the source so far. The copying runs in a spawned task
/// that ends when the source ends or every consumer is gone.
pub fn fan_out(
    source: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    consumers: usize,
) -> (Vec<ByteStream>, Arc<AtomicU64>) {
    let counter = Arc::new(AtomicU64::new(0));
    let mut senders = Vec::with_capacity(consumers);
    let mut streams: Vec<ByteStream> = Vec::with_capacity(consumers);
    for _ in 0..consumers {
        let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL_CHUNKS);
        senders.push(Some(tx));
        streams.push(Box::pin(rx));
    }
    let read = counter.clone();
    tokio::spawn(async move {
        let mut source = Box::pin(source);
        let mut pending = bytes::BytesMut::new();
        let mut chunks = 0u64;
        loop {
            let item = source.next().await;
            let (flush, end) = match &item {
                Some(Ok(chunk)) => {
                    read.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    pending.extend_from_slice(chunk);
                    (pending.len() >= CHUNK_BYTES, false)
                }
                Some(Err(_)) | None => (!pending.is_empty(), true),
            };
            if flush {
                chunks += 1;
                let chunk = pending.split().freeze();
                for slot in senders.iter_mut() {
                    if let Some(tx) = slot
                        && tx.send(Ok(chunk.clone())).await.is_err()
                    {
                        *slot = None;
                    }
                }
                if senders.iter().all(Option::is_none) {
                    return;
                }
            }
            if let Some(Err(e)) = item {
                // io::Error is not Clone: each consumer gets its own copy.
                for tx in senders.iter_mut().flatten() {
                    let copy = std::io::Error::new(e.kind(), e.to_string());
                    let _ = tx.send(Err(copy)).await;
                }
                return;
            }
            if end {
                break;
            }
        }
        tracing::debug!(
            chunks,
            bytes = read.load(Ordering::Relaxed),
            "fan-out source ended"
        );
        // Dropping the senders ends every consumer's stream.
    });
    (streams, counter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(n: usize) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        futures::stream::iter((0..n).map(|i| Ok(Bytes::from(vec![i as u8; 1000]))))
    }

    async fn collect(stream: ByteStream) -> Result<Vec<u8>, std::io::Error> {
        let mut out = Vec::new();
        let mut stream = stream;
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn every_consumer_gets_every_byte_in_order() {
        let (streams, counter) = fan_out(chunks(50), 3);
        let results = futures::future::join_all(streams.into_iter().map(collect)).await;
        let expected: Vec<u8> = (0..50u8).flat_map(|i| vec![i; 1000]).collect();
        for r in results {
            assert_eq!(r.unwrap(), expected);
        }
        assert_eq!(counter.load(Ordering::Relaxed), 50_000);
    }

    #[tokio::test]
    async fn small_frames_are_gathered_into_large_chunks() {
        let (mut streams, _) = fan_out(chunks(600), 1);
        let mut sizes = Vec::new();
        while let Some(chunk) = streams[0].next().await {
            sizes.push(chunk.unwrap().len());
        }
        assert_eq!(sizes.iter().sum::<usize>(), 600_000);
        assert_eq!(sizes.len(), 3, "{sizes:?}");
        assert!(sizes[..2].iter().all(|s| *s >= CHUNK_BYTES), "{sizes:?}");
    }

    #[tokio::test]
    async fn a_consumer_that_stops_does_not_stop_the_others() {
        let (mut streams, _) = fan_out(chunks(50), 2);
        let quitter = streams.pop().unwrap();
        drop(quitter);
        let all = collect(streams.pop().unwrap()).await.unwrap();
        assert_eq!(all.len(), 50_000);
    }

    #[tokio::test]
    async fn a_source_error_reaches_every_consumer() {
        let failing = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("engine went away")),
        ]);
        let (streams, _) = fan_out(failing, 2);
        for s in streams {
            let err = collect(s).await.unwrap_err();
            assert!(err.to_string().contains("engine went away"));
        }
    }
}
