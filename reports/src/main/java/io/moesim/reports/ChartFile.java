package io.moesim.reports;

/** A chart rendered for the page: its file name beside index.html, its pixel size, and its bytes. */
record ChartFile(String name, String alt, int width, int height, byte[] svg) {
}
