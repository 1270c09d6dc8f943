// campuslink's service worker: keeps the app shell so the installed app opens offline.
// It never answers for /api/: directory data always comes fresh from the server.
const CACHE = 'campuslink-shell-v1';
const SHELL = ['/', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/healthz') return;

  if (req.mode === 'navigate') {
    // Network first: a new release is picked up at once; the cached shell is the fallback.
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put('/', copy));
          }
          return res;
        })
        .catch(() => caches.match('/').then((r) => r || Response.error())),
    );
    return;
  }

  if (url.pathname.startsWith('/assets/')) {
    // Hashed file names never change content: cache first.
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              caches.open(CACHE).then((c) => c.put(req, copy));
            }
            return res;
          }),
      ),
    );
  }
});

// ---- Notifications with the app closed (Web Push) ------------------------------------
// The server sends what happened, not the words: they are chosen here in the device's
// language. Several messages of one chat collapse into one notification (its `tag`).
const WORDS = {
  zh: {
    message: '你有一條新消息',
    messages: (n) => `${n} 條新消息`,
    mention: '[有人@你]',
    image: '[圖片]',
    file: '[文件]',
    voice: '[語音]',
    callVideo: '邀請你視頻通話',
    callVoice: '邀請你語音通話',
    missed: '未接來電',
    someone: '有人',
  },
  pt: {
    message: 'Tem uma nova mensagem',
    messages: (n) => `${n} novas mensagens`,
    mention: '[Mencionou-o]',
    image: '[Imagem]',
    file: '[Ficheiro]',
    voice: '[Voz]',
    callVideo: 'Videochamada a chegar',
    callVoice: 'Chamada de voz a chegar',
    missed: 'Chamada não atendida',
    someone: 'Alguém',
  },
  en: {
    message: 'You have a new message',
    messages: (n) => `${n} new messages`,
    mention: '[You were mentioned]',
    image: '[Picture]',
    file: '[File]',
    voice: '[Voice]',
    callVideo: 'Incoming video call',
    callVoice: 'Incoming voice call',
    missed: 'Missed call',
    someone: 'Someone',
  },
};

function words() {
  const lang = (self.navigator.language || 'zh').slice(0, 2);
  return WORDS[lang] || WORDS.zh;
}

async function showPush(d) {
  const w = words();
  const lang = (self.navigator.language || 'zh').slice(0, 2);
  const sender = (lang === 'pt' || lang === 'en') && d.sender_pt ? d.sender_pt : d.sender_zh || '';
  if (d.call) {
    // A call: one notification per call, ringing until touched, then 未接來電 in its place.
    return self.registration.showNotification(sender || w.someone, {
      body: d.call.missed ? w.missed : d.call.video ? w.callVideo : w.callVoice,
      tag: `call-${d.call.id}`,
      renotify: true,
      requireInteraction: !d.call.missed,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: d.url || '/chats' },
    });
  }
  const tag = d.conversation_id || 'campuslink';
  const earlier = await self.registration.getNotifications({ tag });
  const count = (earlier[0]?.data?.count || 0) + 1;
  const title = d.kind === 'group' && d.group ? d.group : sender || 'campuslink';
  let line = d.text || (d.attachment ? w[d.attachment] || '' : '');
  if (!line && !sender) line = w.message;
  if (d.kind === 'group' && sender && line) line = `${sender}: ${line}`;
  if (count > 1) line = `${w.messages(count)} · ${line}`;
  if (d.mention) line = `${w.mention} ${line}`;
  return self.registration.showNotification(title, {
    body: line,
    tag,
    renotify: true,
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    data: { url: d.url || '/chats', count },
  });
}

self.addEventListener('push', (event) => {
  let d = {};
  try {
    d = event.data ? event.data.json() : {};
  } catch {
    d = {};
  }
  event.waitUntil(showPush(d));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || '/chats', self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      const open = list.find((c) => new URL(c.url).origin === self.location.origin);
      if (open) return open.focus().then((c) => c.navigate(url));
      return self.clients.openWindow(url);
    }),
  );
});
