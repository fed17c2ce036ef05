//! Uploading to TikTok's Content Posting API.
