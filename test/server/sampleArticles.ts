// Moved to tools/ with the stand-in; re-exported here for existing imports.
export {
  type Article,
  type SearchHit,
  sampleArticles,
  sampleKbId,
  searchArticles,
  suggestTitles,
  topArticles,
} from '../../tools/sampleArticles.ts';
