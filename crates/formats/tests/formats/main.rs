mod dnstap;
mod pcap;
