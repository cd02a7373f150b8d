"""What agencies and the reform office hold in their hands: unit reports, comparisons, PDFs and exports."""
