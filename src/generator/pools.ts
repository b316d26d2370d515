/**
 * Text and name pools, drawn once from faker (ru and en locales) at start-up, so that generating an event never
 * calls faker: the simulation picks from these arrays with its seeded PRNG.
 *
 * faker is seeded with a fixed number, so the pools (and hence the output for a given `--seed`) depend only on the
 * pinned faker version.
 *
 * @module
 */
import { fakerEN, fakerRU } from "@faker-js/faker";
import { TOPICS } from "../events/mod.ts";

/** The two locales of the simulated network: 0 = ru, 1 = en. */
export type LocaleIndex = 0 | 1;
/** Locale codes by {@link LocaleIndex}. */
export const LOCALES = ["ru", "en"] as const;

/** A person template: names that agree with each other and with the gender. */
export interface PersonName {
  first: string;
  last: string;
  gender: "female" | "male";
  /** Lower-case ASCII base for usernames and e-mail addresses. */
  handle: string;
}

/** A city with its country, time zone and relative population weight. */
export interface City {
  name: string;
  country: string;
  timezone: string;
  weight: number;
}

/** Everything the simulation draws text from, per locale. */
export interface Pools {
  people: [PersonName[], PersonName[]];
  cities: [City[], City[]];
  /** Cumulative city weights, per locale, for {@link Rng.weighted}. */
  cityCumulative: [Float64Array, Float64Array];
  sentences: [string[], string[]];
  comments: [string[], string[]];
  bios: [string[], string[]];
  albumTitles: [string[], string[]];
  communityNames: [string[], string[]];
  companies: [string[], string[]];
  headlines: [string[], string[]];
  adBodies: [string[], string[]];
  donationMessages: [string[], string[]];
  complaintDetails: [string[], string[]];
  /** Hashtags per topic (same index as TOPICS). */
  hashtags: string[][];
  emailDomains: [string[], string[]];
}

const RU_CITIES: City[] = [
  { name: "Москва", country: "RU", timezone: "Europe/Moscow", weight: 26 },
  { name: "Санкт-Петербург", country: "RU", timezone: "Europe/Moscow", weight: 12 },
  { name: "Новосибирск", country: "RU", timezone: "Asia/Novosibirsk", weight: 3.5 },
  { name: "Екатеринбург", country: "RU", timezone: "Asia/Yekaterinburg", weight: 3.4 },
  { name: "Казань", country: "RU", timezone: "Europe/Moscow", weight: 3 },
  { name: "Нижний Новгород", country: "RU", timezone: "Europe/Moscow", weight: 2.8 },
  { name: "Челябинск", country: "RU", timezone: "Asia/Yekaterinburg", weight: 2.6 },
  { name: "Красноярск", country: "RU", timezone: "Asia/Krasnoyarsk", weight: 2.5 },
  { name: "Самара", country: "RU", timezone: "Europe/Samara", weight: 2.5 },
  { name: "Уфа", country: "RU", timezone: "Asia/Yekaterinburg", weight: 2.4 },
  { name: "Ростов-на-Дону", country: "RU", timezone: "Europe/Moscow", weight: 2.4 },
  { name: "Краснодар", country: "RU", timezone: "Europe/Moscow", weight: 2.3 },
  { name: "Омск", country: "RU", timezone: "Asia/Omsk", weight: 2.2 },
  { name: "Воронеж", country: "RU", timezone: "Europe/Moscow", weight: 2.1 },
  { name: "Пермь", country: "RU", timezone: "Asia/Yekaterinburg", weight: 2 },
  { name: "Волгоград", country: "RU", timezone: "Europe/Volgograd", weight: 2 },
  { name: "Владивосток", country: "RU", timezone: "Asia/Vladivostok", weight: 1.2 },
  { name: "Калининград", country: "RU", timezone: "Europe/Kaliningrad", weight: 1 },
  { name: "Минск", country: "BY", timezone: "Europe/Minsk", weight: 2 },
  { name: "Алматы", country: "KZ", timezone: "Asia/Almaty", weight: 1.8 },
];

const EN_CITIES: City[] = [
  { name: "New York", country: "US", timezone: "America/New_York", weight: 14 },
  { name: "Los Angeles", country: "US", timezone: "America/Los_Angeles", weight: 8 },
  { name: "Chicago", country: "US", timezone: "America/Chicago", weight: 5 },
  { name: "Houston", country: "US", timezone: "America/Chicago", weight: 4 },
  { name: "Phoenix", country: "US", timezone: "America/Phoenix", weight: 3 },
  { name: "Philadelphia", country: "US", timezone: "America/New_York", weight: 3 },
  { name: "San Antonio", country: "US", timezone: "America/Chicago", weight: 2.5 },
  { name: "San Diego", country: "US", timezone: "America/Los_Angeles", weight: 2.5 },
  { name: "Dallas", country: "US", timezone: "America/Chicago", weight: 2.5 },
  { name: "Austin", country: "US", timezone: "America/Chicago", weight: 2 },
  { name: "Seattle", country: "US", timezone: "America/Los_Angeles", weight: 2 },
  { name: "Boston", country: "US", timezone: "America/New_York", weight: 2 },
  { name: "Miami", country: "US", timezone: "America/New_York", weight: 2 },
  { name: "Atlanta", country: "US", timezone: "America/New_York", weight: 2 },
  { name: "London", country: "GB", timezone: "Europe/London", weight: 9 },
  { name: "Manchester", country: "GB", timezone: "Europe/London", weight: 2.5 },
  { name: "Birmingham", country: "GB", timezone: "Europe/London", weight: 2.2 },
  { name: "Toronto", country: "CA", timezone: "America/Toronto", weight: 4 },
  { name: "Vancouver", country: "CA", timezone: "America/Vancouver", weight: 2 },
  { name: "Dublin", country: "IE", timezone: "Europe/Dublin", weight: 1.5 },
];

const RU_COMMENTS = [
  "Классно!",
  "Согласен на все сто",
  "Это просто огонь 🔥",
  "Ахаха, лучшее 😂",
  "Где это снято?",
  "Спасибо, что поделились",
  "Не согласен, если честно",
  "Очень красиво ❤️",
  "Жду продолжения",
  "Сохранил себе",
  "А можно подробнее?",
  "Ну такое...",
  "Топ!",
  "Вот это да 😮",
  "Грустно это всё 😢",
  "Подписался, пишите ещё",
];
const EN_COMMENTS = [
  "Love this!",
  "So true",
  "This is fire 🔥",
  "LOL 😂",
  "Where was this taken?",
  "Thanks for sharing",
  "Not sure I agree, honestly",
  "Beautiful ❤️",
  "Can't wait for part two",
  "Saved it",
  "Can you say more?",
  "Meh...",
  "Great take!",
  "Wow 😮",
  "That's sad 😢",
  "Followed, keep posting",
];
const RU_OPENERS = [
  "Сегодня",
  "Наконец-то",
  "Друзья,",
  "Кто со мной?",
  "Мысли вслух:",
  "Делюсь:",
  "Честно говоря,",
  "Внимание!",
];
const EN_OPENERS = [
  "Today",
  "Finally",
  "Friends,",
  "Who's with me?",
  "Thinking out loud:",
  "Sharing this:",
  "Honestly,",
  "Heads up!",
];
const RU_TOPIC_NAMES: Record<string, string> = {
  news: "Новости",
  sports: "Спорт",
  music: "Музыка",
  movies: "Кино",
  gaming: "Игры",
  tech: "Технологии",
  science: "Наука",
  travel: "Путешествия",
  food: "Еда",
  fashion: "Мода",
  beauty: "Красота",
  fitness: "Фитнес",
  health: "Здоровье",
  finance: "Финансы",
  education: "Учёба",
  art: "Искусство",
  photography: "Фото",
  pets: "Питомцы",
  humor: "Юмор",
  politics: "Политика",
  auto: "Авто",
  books: "Книги",
  parenting: "Родители",
  diy: "Своими руками",
};
const RU_COMMUNITY_PATTERNS = ["{t} {c}", "Клуб «{t}»", "{t} — всё о главном", "Любители: {t}", "{t} и не только"];
const EN_COMMUNITY_PATTERNS = ["{c} {t}", "{t} Club", "Daily {t}", "{t} Lovers", "{t} & Friends"];
const RU_ALBUM = ["Отпуск", "Лето", "Семья", "Дача", "Концерт", "Выходные", "Свадьба", "Походы", "Котики", "Разное"];
const EN_ALBUM = [
  "Vacation",
  "Summer",
  "Family",
  "Weekend",
  "Concert",
  "Road trip",
  "Wedding",
  "Hiking",
  "Pets",
  "Misc",
];
const RU_DONATION = ["Спасибо за контент!", "На кофе ☕", "Продолжай в том же духе", "Лучший автор", "Поддержу"];
const EN_DONATION = ["Thanks for the content!", "Buy yourself a coffee ☕", "Keep it up", "Best creator", "Support!"];
const RU_DETAILS = ["Похоже на спам", "Оскорбления в комментариях", "Фейк", "Мошенники", "Чужой контент"];
const EN_DETAILS = ["Looks like spam", "Insults in the comments", "Fake news", "Scammers", "Stolen content"];

function times<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

function asciiHandle(s: string): string {
  const h = s.toLowerCase().replace(/[^a-z0-9_.]/g, "").replace(/[._]{2,}/g, "_").slice(0, 20);
  return h.replace(/^[._]+|[._]+$/g, "") || "user";
}

function cumulative(cities: City[]): Float64Array {
  const out = new Float64Array(cities.length);
  let sum = 0;
  cities.forEach((c, i) => (out[i] = sum += c.weight));
  return out;
}

/** Capitalise the first letter. */
function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

let cached: Pools | undefined;

/** Build the pools (once per process; about 100 ms). */
export function pools(): Pools {
  if (cached) return cached;
  fakerRU.seed(20240601);
  fakerEN.seed(20240601);

  const people = ([fakerRU, fakerEN] as const).map((f) =>
    times(3000, (): PersonName => {
      const gender = f.person.sex() as "female" | "male";
      const first = f.person.firstName(gender);
      const last = f.person.lastName(gender);
      return { first, last, gender, handle: asciiHandle(f.internet.username({ firstName: first, lastName: last })) };
    })
  ) as [PersonName[], PersonName[]];

  const cityTail = (f: typeof fakerRU, country: string, timezone: string, n: number): City[] =>
    [...new Set(times(n, () => f.location.city()))].map((name) => ({ name, country, timezone, weight: 0.15 }));
  const cities: [City[], City[]] = [
    [...RU_CITIES, ...cityTail(fakerRU, "RU", "Europe/Moscow", 150)],
    [...EN_CITIES, ...cityTail(fakerEN, "US", "America/Chicago", 150)],
  ];

  const ruSentences = times(4000, () => fakerRU.lorem.sentence({ min: 4, max: 14 }));
  const enSentences = times(4000, (i) => {
    switch (i % 5) {
      case 0:
        return fakerEN.hacker.phrase();
      case 1:
        return `${cap(fakerEN.company.catchPhrase())}.`;
      case 2:
        return `Just finished "${fakerEN.book.title()}" and I have thoughts.`;
      case 3:
        return `Tonight's dinner: ${fakerEN.food.dish()}.`;
      default:
        return `${cap(fakerEN.word.words({ count: { min: 5, max: 12 } }))}.`;
    }
  });
  const sentences: [string[], string[]] = [
    ruSentences.map((s, i) => (i % 7 === 0 ? `${RU_OPENERS[i % RU_OPENERS.length]} ${s.toLowerCase()}` : s)),
    enSentences.map((s, i) => (i % 7 === 0 ? `${EN_OPENERS[i % EN_OPENERS.length]} ${s.toLowerCase()}` : s)),
  ];

  const comments: [string[], string[]] = [
    [...RU_COMMENTS, ...times(600, () => fakerRU.lorem.sentence({ min: 2, max: 9 }))],
    [...EN_COMMENTS, ...times(600, () => `${cap(fakerEN.word.words({ count: { min: 2, max: 8 } }))}!`)],
  ];
  const bios: [string[], string[]] = [
    times(800, () => fakerRU.lorem.sentence({ min: 3, max: 10 })),
    times(800, () => fakerEN.person.bio()),
  ];
  const communityNames = [
    times(600, (i) => {
      const t = RU_TOPIC_NAMES[TOPICS[i % TOPICS.length]!]!;
      return RU_COMMUNITY_PATTERNS[i % RU_COMMUNITY_PATTERNS.length]!.replace("{t}", t).replace(
        "{c}",
        fakerRU.location.city(),
      );
    }),
    times(600, (i) => {
      const t = cap(TOPICS[i % TOPICS.length]!);
      return EN_COMMUNITY_PATTERNS[i % EN_COMMUNITY_PATTERNS.length]!.replace("{t}", t).replace(
        "{c}",
        fakerEN.location.city(),
      );
    }),
  ] as [string[], string[]];
  const albumTitles: [string[], string[]] = [
    times(200, (i) => `${RU_ALBUM[i % RU_ALBUM.length]} ${2015 + (i % 11)}`),
    times(200, (i) => `${EN_ALBUM[i % EN_ALBUM.length]} ${2015 + (i % 11)}`),
  ];
  const companies: [string[], string[]] = [
    times(400, () => fakerRU.company.name().slice(0, 100)),
    times(400, () => fakerEN.company.name().slice(0, 100)),
  ];
  const headlines: [string[], string[]] = [
    times(400, () => fakerRU.commerce.productName().slice(0, 100)),
    times(400, () => fakerEN.commerce.productName().slice(0, 100)),
  ];
  const adBodies: [string[], string[]] = [
    times(400, () => fakerRU.lorem.sentence({ min: 5, max: 15 }).slice(0, 500)),
    times(400, () => cap(fakerEN.company.catchPhrase()).slice(0, 500)),
  ];
  const hashtags = TOPICS.map((t) => [
    `#${t}`,
    `#${t}life`,
    `#${t}daily`,
    `#${RU_TOPIC_NAMES[t]!.toLowerCase().replace(/\s+/g, "")}`,
    `#best${t}`,
  ]);

  cached = {
    people,
    cities,
    cityCumulative: [cumulative(cities[0]), cumulative(cities[1])],
    sentences,
    comments,
    bios,
    albumTitles,
    communityNames,
    companies,
    headlines,
    adBodies,
    donationMessages: [RU_DONATION, EN_DONATION],
    complaintDetails: [RU_DETAILS, EN_DETAILS],
    hashtags,
    emailDomains: [["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru"], [
      "gmail.com",
      "outlook.com",
      "yahoo.com",
      "icloud.com",
      "proton.me",
    ]],
  };
  return cached;
}
