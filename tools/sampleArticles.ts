/**
 * A small support knowledge base for the stand-in server: a dozen articles a real help centre would hold,
 * enough for searches, suggestions and top lists to return believable results.
 */

export interface Article {
  id: string;
  title: string;
  text: string;
  category: string;
  /** Views, for the "top documents" list. */
  views: number;
}

export const sampleKbId = 'support';

export const sampleArticles: readonly Article[] = [
  {
    id: 'reset-password',
    title: 'How do I reset my password?',
    text: 'Open the sign-in page and choose "Forgot password". Enter the email address of your account and follow the link we send you within ten minutes. The link works once.',
    category: 'Account',
    views: 9120,
  },
  {
    id: 'change-email',
    title: 'Changing the email address on your account',
    text: 'Go to Settings, then Profile, and edit the email field. We send a confirmation to both the old and the new address; the change applies once you confirm from the new one.',
    category: 'Account',
    views: 3310,
  },
  {
    id: 'two-factor',
    title: 'Turning on two-factor authentication',
    text: 'In Settings, Security, choose "Two-factor authentication" and scan the code with an authenticator app. Keep the recovery codes somewhere safe: they are the only way in if you lose your phone.',
    category: 'Security',
    views: 2875,
  },
  {
    id: 'track-order',
    title: 'Where is my order? Tracking a delivery',
    text: 'Your order confirmation email holds a tracking link. Orders ship within two working days; the carrier updates the tracking page once the parcel is scanned at the depot.',
    category: 'Orders',
    views: 12450,
  },
  {
    id: 'return-item',
    title: 'Returning an item for a refund',
    text: 'You can return most items within 30 days. Start a return from Orders, print the prepaid label and drop the parcel at any carrier point. Refunds reach your card within five working days of our receiving the item.',
    category: 'Orders',
    views: 8800,
  },
  {
    id: 'cancel-order',
    title: 'Cancelling an order before it ships',
    text: 'An order can be cancelled from Orders until it is packed. Once the status shows "Shipped", cancel is no longer offered: return the item instead.',
    category: 'Orders',
    views: 4100,
  },
  {
    id: 'update-billing',
    title: 'Updating your card or billing address',
    text: 'Open Billing and choose "Payment methods" to add a card, remove one, or change the billing address. The default card pays for renewals.',
    category: 'Billing',
    views: 3950,
  },
  {
    id: 'invoice-download',
    title: 'Downloading an invoice',
    text: 'Every payment has an invoice under Billing, History. Download it as PDF; invoices show your company name and VAT number when they are set in your billing profile.',
    category: 'Billing',
    views: 2210,
  },
  {
    id: 'cancel-subscription',
    title: 'Cancelling your subscription',
    text: 'In Billing, Subscription, choose "Cancel subscription". You keep access until the end of the period you paid for, and you can resume at any time before then.',
    category: 'Billing',
    views: 6720,
  },
  {
    id: 'app-crash',
    title: 'The mobile app closes on start',
    text: 'Update the app to the latest version, then restart your phone. If it still closes, clear the app cache (Android) or reinstall it (iOS); your data is kept on your account, not on the phone.',
    category: 'Troubleshooting',
    views: 5030,
  },
  {
    id: 'slow-sync',
    title: 'Data does not sync between devices',
    text: 'Sync needs both devices signed in to the same account and online. Pull down to refresh; if a change still does not appear after a minute, sign out and back in on the device that lags.',
    category: 'Troubleshooting',
    views: 2640,
  },
  {
    id: 'contact-support',
    title: 'Contacting a support agent',
    text: 'Chat with an agent from this help centre, every day from 8:00 to 20:00. Outside those hours leave a message and we answer by email the next morning.',
    category: 'Contact',
    views: 7390,
  },
];

export interface SearchHit {
  id: string;
  title: string;
  snippet: string;
  category: string;
  score: number;
}

function terms(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((term) => term.length > 1);
}

/** Scores every article against the query: a title word counts three, a body word one. */
export function searchArticles(query: string, size = 10): SearchHit[] {
  const wanted = new Set(terms(query));
  if (wanted.size === 0) return [];
  const hits: SearchHit[] = [];
  for (const article of sampleArticles) {
    let score = 0;
    for (const term of terms(article.title)) if (wanted.has(term)) score += 3;
    for (const term of terms(article.text)) if (wanted.has(term)) score += 1;
    if (score > 0) {
      hits.push({
        id: article.id,
        title: article.title,
        snippet: article.text.slice(0, 140),
        category: article.category,
        score,
      });
    }
  }
  return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, size);
}

/** Titles with a word starting with each word of the query (type-ahead), most viewed first. */
export function suggestTitles(query: string, size = 5): string[] {
  const words = terms(query);
  if (words.length === 0) return [];
  return sampleArticles
    .filter((article) => {
      const title = terms(article.title);
      return words.every((word) => title.some((candidate) => candidate.startsWith(word)));
    })
    .sort((a, b) => b.views - a.views)
    .slice(0, size)
    .map((article) => article.title);
}

export function topArticles(size = 5): Article[] {
  return [...sampleArticles].sort((a, b) => b.views - a.views).slice(0, size);
}
