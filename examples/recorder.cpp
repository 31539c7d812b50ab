// SPDX-License-Identifier: MIT
/*
 * recorder: a small network video recorder with a memory leak modelled on a real one.
 *
 * Eight cameras send video (30 fps) and audio (50 packets/s). Every packet goes into a
 * per-camera pre-record buffer, so that a recording triggered by motion can start a couple of
 * seconds *before* the trigger; packets older than the window are meant to be dropped. Two bugs
 * together make that buffer grow without bound:
 *   1. the audio path ends its loop iteration with `continue`, skipping the cleanup call;
 *   2. the cleanup only drops one expired node from the head per call, so it never catches up.
 * In production the process grew for hours until the OOM killer ended it. Beside it, the live
 * preview queue is bounded correctly and stays flat.
 *
 * Usage: recorder [SECONDS=6]      (run it under growth: see examples/README.md)
 */
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

constexpr int kCameras = 8;
constexpr int64_t kVideoIntervalUs = 1000000 / 30; // 30 fps
constexpr int64_t kAudioIntervalUs = 20000;         // 20 ms audio frames
constexpr int kGopFrames = 30;                      // one keyframe a second
constexpr int64_t kPreRecordWindowUs = 2000000;     // keep the last 2 s before a trigger
constexpr size_t kPreviewPackets = 16;              // what the live view needs

struct Packet {
	enum Kind { Video, Audio } kind;
	int camera;
	int64_t pts_us; // presentation time, microseconds since the stream started
	bool keyframe;
	size_t size;
	uint8_t *data; // size bytes, owned by the packet
};

/* A camera's encoder output: packets due by a given time, allocated as they arrive. */
class PacketSource {
public:
	PacketSource(int camera, uint32_t seed) : camera_(camera), rng_(seed) {}

	/* The next packet due at or before now_us, or nullptr. The caller frees it with release(). */
	Packet *next_due(int64_t now_us)
	{
		if (next_video_us_ <= now_us && next_video_us_ <= next_audio_us_) {
			bool key = frame_++ % kGopFrames == 0;
			size_t size = key ? 4000 + rng_() % 96 : 1024 + rng_() % 2048;
			Packet *p = make(Packet::Video, next_video_us_, key, size);
			next_video_us_ += kVideoIntervalUs;
			return p;
		}
		if (next_audio_us_ <= now_us) {
			Packet *p = make(Packet::Audio, next_audio_us_, false, 1024 + rng_() % 512);
			next_audio_us_ += kAudioIntervalUs;
			return p;
		}
		return nullptr;
	}

	static void release(Packet *p)
	{
		delete[] p->data;
		delete p;
	}

private:
	Packet *make(Packet::Kind kind, int64_t pts_us, bool key, size_t size)
	{
		Packet *p = new Packet{kind, camera_, pts_us, key, size, new uint8_t[size]};
		std::memset(p->data, static_cast<int>(pts_us & 0xff), size); /* the "encoded" bytes */
		return p;
	}

	int camera_;
	std::minstd_rand rng_;
	int frame_ = 0;
	int64_t next_video_us_ = 0;
	int64_t next_audio_us_ = 0;
};

/* The last kPreRecordWindowUs of one camera's packets, oldest first, as its own copies. */
class PreRecordBuffer {
public:
	void push(const Packet &pkt);
	void drop_expired(int64_t now_us);
	size_t packets() const { return packets_; }
	size_t bytes() const { return bytes_; }

private:
	struct Node {
		Node *next;
		int64_t pts_us;
		bool keyframe;
		size_t size;
		uint8_t *data;
	};
	Node *head_ = nullptr;
	Node *tail_ = nullptr;
	size_t packets_ = 0;
	size_t bytes_ = 0;
};

__attribute__((noinline)) void PreRecordBuffer::push(const Packet &pkt)
{
	Node *node = new Node{nullptr, pkt.pts_us, pkt.keyframe, pkt.size, nullptr};
	node->data = new uint8_t[pkt.size]; // DEMO-PUSH-LINE: the copy that piles up
	std::memcpy(node->data, pkt.data, pkt.size);
	if (tail_)
		tail_->next = node;
	else
		head_ = node;
	tail_ = node;
	packets_++;
	bytes_ += pkt.size;
}

/* Meant to drop every packet older than the window. It drops at most one per call. */
__attribute__((noinline)) void PreRecordBuffer::drop_expired(int64_t now_us)
{
	if (head_ && now_us - head_->pts_us > kPreRecordWindowUs) {
		Node *old = head_;
		head_ = old->next;
		if (!head_)
			tail_ = nullptr;
		packets_--;
		bytes_ -= old->size;
		delete[] old->data;
		delete old;
	}
}

/* The live view: the most recent kPreviewPackets video packets. Evicts correctly. */
class BoundedQueue {
public:
	__attribute__((noinline)) void push(const Packet &pkt)
	{
		Slot *slot = new Slot{nullptr, pkt.size, new uint8_t[pkt.size]};
		std::memcpy(slot->data, pkt.data, pkt.size);
		if (tail_)
			tail_->next = slot;
		else
			head_ = slot;
		tail_ = slot;
		if (++count_ > kPreviewPackets)
			evict_oldest();
	}
	size_t packets() const { return count_; }

private:
	struct Slot {
		Slot *next;
		size_t size;
		uint8_t *data;
	};
	void evict_oldest()
	{
		while (count_ > kPreviewPackets) {
			Slot *old = head_;
			head_ = old->next;
			count_--;
			delete[] old->data;
			delete old;
		}
	}
	Slot *head_ = nullptr;
	Slot *tail_ = nullptr;
	size_t count_ = 0;
};

struct Camera {
	PacketSource source;
	PreRecordBuffer prerecord;
	BoundedQueue preview;
	uint64_t audio_samples = 0;
};

/* Hands audio to the muxer; here it only counts samples. */
static void mux_audio(Camera &cam, const Packet &pkt)
{
	cam.audio_samples += pkt.size / 2;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? std::atof(argv[1]) : 6.0;
	using clock = std::chrono::steady_clock;

	/* Not torn down at exit: like the real recorder, the demo ends with its state still live. */
	Camera *cams[kCameras];
	for (int c = 0; c < kCameras; c++)
		cams[c] = new Camera{PacketSource(c, 1000u + static_cast<uint32_t>(c)), {}, {}, 0};

	std::printf("recorder: %d cameras, %.0f s pre-record window, running %.0f s\n", kCameras,
		    kPreRecordWindowUs / 1e6, seconds);
	std::fflush(stdout);

	const auto start = clock::now();
	uint64_t total = 0;
	int next_status_s = 1;
	for (;;) {
		int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() -
										      start)
					 .count();
		if (now_us >= static_cast<int64_t>(seconds * 1e6))
			break;
		for (Camera *cam : cams) {
			while (Packet *pkt = cam->source.next_due(now_us)) {
				total++;
				cam->prerecord.push(*pkt);
				if (pkt->kind == Packet::Audio) {
					mux_audio(*cam, *pkt);
					PacketSource::release(pkt);
					continue; /* BUG: skips the cleanup below for every audio packet */
				}
				cam->preview.push(*pkt);
				cam->prerecord.drop_expired(pkt->pts_us);
				PacketSource::release(pkt);
			}
		}
		if (now_us >= next_status_s * 1000000LL) {
			size_t pre_packets = 0, pre_bytes = 0, preview = 0;
			for (Camera *cam : cams) {
				pre_packets += cam->prerecord.packets();
				pre_bytes += cam->prerecord.bytes();
				preview += cam->preview.packets();
			}
			std::printf("recorder: %2d s: %6llu packets in, pre-record holds %5zu packets "
				    "(%.1f MiB), preview %zu\n",
				    next_status_s, static_cast<unsigned long long>(total), pre_packets,
				    pre_bytes / 1048576.0, preview);
			std::fflush(stdout);
			next_status_s++;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	std::printf("recorder: stopped after %llu packets\n", static_cast<unsigned long long>(total));
	return 0;
}
